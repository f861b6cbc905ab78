/**
 * The arithmetic of policy-gradient training, kept apart from the trainers in
 * the spirit of verl's `verl/trainer/ppo/core_algos.py`: small pure functions
 * that can each be checked alone against numbers worked out by hand. Trainers
 * only orchestrate (roll out, batch, call these, step the optimiser).
 *
 * Conventions:
 * - Advantages and returns are plain `number[]` (computed once per rollout,
 *   outside any gradient); losses and estimators are tensors, differentiable
 *   so that they can sit inside `tf.variableGrads` / `optimizer.minimize`.
 * - Losses are to be minimised (the PPO surrogate is negated here).
 * - Tensor functions never dispose their inputs; every tensor they return is
 *   new and belongs to the caller. Intermediates are freed with `tf.tidy`.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * GRPO's outcome advantage (Shao et al. 2024, "DeepSeekMath", §4.1.2; verl
 * `compute_grpo_outcome_advantage`): responses sampled for the same prompt form
 * a group, and each reward is normalised against its own group,
 * `(r - mean_g) / (std_g + eps)`, which replaces PPO's learned critic as the
 * baseline. `std_g` is the unbiased (n - 1) standard deviation, as `torch.std`
 * in verl.
 *
 * A group of one carries no relative signal, so its advantage is 0 (verl
 * instead divides by a std of 1 and passes the raw reward through). A group
 * whose rewards are all equal gets 0s: its numerator is 0 and `eps` keeps the
 * division finite.
 *
 * Group ids are compared as `Map` keys: the string `'1'` and the number `1`
 * are different groups.
 */
export function grpoAdvantages(
  rewards: readonly number[],
  groupIds: readonly (string | number)[],
  eps = 1e-6,
): number[] {
  if (rewards.length !== groupIds.length) {
    throw new Error(`grpoAdvantages: ${rewards.length} rewards but ${groupIds.length} group ids`);
  }
  const groups = new Map<string | number, number[]>();
  rewards.forEach((reward, i) => {
    const id = groupIds[i]!;
    const members = groups.get(id);
    if (members) members.push(reward);
    else groups.set(id, [reward]);
  });
  const stats = new Map<string | number, { mean: number; std: number }>();
  for (const [id, members] of groups) {
    const n = members.length;
    const mean = members.reduce((sum, r) => sum + r, 0) / n;
    const std = n > 1 ? Math.sqrt(members.reduce((sum, r) => sum + (r - mean) ** 2, 0) / (n - 1)) : 0;
    stats.set(id, { mean, std });
  }
  return rewards.map((reward, i) => {
    const group = groups.get(groupIds[i]!)!;
    if (group.length === 1) return 0;
    const { mean, std } = stats.get(groupIds[i]!)!;
    return (reward - mean) / (std + eps);
  });
}

/**
 * Generalised advantage estimation (Schulman et al. 2016, "High-Dimensional
 * Continuous Control Using Generalized Advantage Estimation", eq. 16), over
 * one flat list of steps that may hold several episodes back to back:
 *
 *   delta_t = r_t + gamma * V_{t+1} * (1 - done_t) - V_t
 *   A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}
 *
 * computed backwards. `dones[t]` ends an episode after step t, so neither the
 * next value nor the next advantage leaks across it. `lastValue` is V after the
 * final step, bootstrapping a trajectory cut off mid-episode; it is ignored when
 * the final step is done. Returns are `A + V`, the critic's regression targets
 * (the TD(lambda) return, as in verl `compute_gae_advantage_return`).
 */
export function gae(
  rewards: readonly number[],
  values: readonly number[],
  dones: readonly boolean[],
  gamma: number,
  lambda: number,
  lastValue = 0,
): { advantages: number[]; returns: number[] } {
  const n = rewards.length;
  if (values.length !== n || dones.length !== n) {
    throw new Error(`gae: lengths differ (rewards ${n}, values ${values.length}, dones ${dones.length})`);
  }
  const advantages = new Array<number>(n);
  let nextValue = lastValue;
  let nextAdvantage = 0;
  for (let t = n - 1; t >= 0; t--) {
    const notDone = dones[t] ? 0 : 1;
    const delta = rewards[t]! + gamma * nextValue * notDone - values[t]!;
    nextAdvantage = delta + gamma * lambda * notDone * nextAdvantage;
    advantages[t] = nextAdvantage;
    nextValue = values[t]!;
  }
  return { advantages, returns: advantages.map((a, t) => a + values[t]!) };
}

/**
 * Whitens advantages to mean 0 and standard deviation 1 over the batch,
 * `(x - mean) / (std + eps)` with the population (n) std: the usual PPO trick
 * (OpenAI baselines ppo2; verl `masked_whiten`, which uses the n - 1 variance,
 * a negligible difference at batch sizes) that makes the step size independent
 * of the reward scale. `eps` keeps a constant batch at 0s.
 */
export function whiten(values: readonly number[], eps = 1e-8): number[] {
  const n = values.length;
  if (n === 0) return [];
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  const std = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / n);
  return values.map((v) => (v - mean) / (std + eps));
}

/**
 * PPO's clipped surrogate objective (Schulman et al. 2017, "Proximal Policy
 * Optimization Algorithms", eq. 7; verl `compute_policy_loss`), negated so it
 * is minimised:
 *
 *   ratio = exp(logp - oldLogp)
 *   loss  = -mean(min(ratio * A, clip(ratio, 1 - eps, 1 + eps) * A))
 *
 * The min makes the objective a pessimistic bound: once the ratio has moved
 * past the clip range in the direction the advantage rewards, the clipped term
 * wins and its gradient is 0, so one batch cannot push the policy far.
 *
 * Diagnostics, not differentiated: `clipFraction` is the share of samples
 * where the clipped term was the smaller one, `(A > 0 && ratio > 1 + eps) ||
 * (A < 0 && ratio < 1 - eps)`; `approxKl` is `mean(oldLogp - logp)`, the k1
 * estimate of KL(old || new) from samples of the old policy (verl `ppo_kl`).
 *
 * `logp` carries the gradient; `oldLogp` and `advantages` are treated as data.
 * All three scalars are new tensors owned by the caller. Inside
 * `optimizer.minimize(() => ...)` only the returned loss survives, so return
 * `loss` and `tf.keep` the other two (then dispose them) to log them.
 */
export function clippedPolicyLoss(
  logp: tf.Tensor1D,
  oldLogp: tf.Tensor1D,
  advantages: tf.Tensor1D,
  clipEps: number,
): { loss: tf.Scalar; clipFraction: tf.Scalar; approxKl: tf.Scalar } {
  assertSameNonEmptyShape('clippedPolicyLoss', logp, oldLogp, advantages);
  return tf.tidy(() => {
    const logRatio = tf.sub(logp, oldLogp);
    const ratio = tf.exp(logRatio);
    const unclipped = tf.mul(ratio, advantages);
    const clipped = tf.mul(tf.clipByValue(ratio, 1 - clipEps, 1 + clipEps), advantages);
    // tf.minimum sends the gradient to its first argument on ties, so inside
    // the clip range (where both terms are equal) the gradient is ratio * A.
    const loss = tf.neg(tf.mean(tf.minimum(unclipped, clipped))) as tf.Scalar;
    const clippedHigh = tf.logicalAnd(tf.greater(advantages, 0), tf.greater(ratio, 1 + clipEps));
    const clippedLow = tf.logicalAnd(tf.less(advantages, 0), tf.less(ratio, 1 - clipEps));
    const clipFraction = tf.mean(tf.cast(tf.logicalOr(clippedHigh, clippedLow), 'float32')) as tf.Scalar;
    const approxKl = tf.neg(tf.mean(logRatio)) as tf.Scalar;
    return { loss, clipFraction, approxKl };
  });
}

/**
 * PPO's clipped value loss (as in OpenAI baselines' ppo2 and verl
 * `compute_value_loss`): the new value prediction may only move `clip` away
 * from the rollout's value before the loss stops rewarding the move, and the
 * larger (pessimistic) of the clipped and unclipped squared errors is taken:
 *
 *   vClipped = oldV + clip(v - oldV, -clip, clip)
 *   loss     = 0.5 * mean(max((v - R)^2, (vClipped - R)^2))
 *
 * `values` carries the gradient; the scalar returned belongs to the caller.
 */
export function clippedValueLoss(
  values: tf.Tensor1D,
  oldValues: tf.Tensor1D,
  returns: tf.Tensor1D,
  clip: number,
): tf.Scalar {
  assertSameNonEmptyShape('clippedValueLoss', values, oldValues, returns);
  return tf.tidy(() => {
    const clippedValues = tf.add(oldValues, tf.clipByValue(tf.sub(values, oldValues), -clip, clip));
    const unclippedError = tf.squaredDifference(values, returns);
    const clippedError = tf.squaredDifference(clippedValues, returns);
    return tf.mul(0.5, tf.mean(tf.maximum(unclippedError, clippedError))) as tf.Scalar;
  });
}

/** A per-sample estimator of KL(pi || ref) from log-probabilities of actions sampled from pi. */
export type KlEstimator = (logp: tf.Tensor1D, refLogp: tf.Tensor1D) => tf.Tensor1D;

/** k1 = log(pi / ref): unbiased, but negative on some samples and high-variance. */
function klK1(logp: tf.Tensor1D, refLogp: tf.Tensor1D): tf.Tensor1D {
  return tf.sub(logp, refLogp);
}

/**
 * k3 = r - log r - 1 with r = ref / pi: unbiased (E_pi[r] = 1), never negative
 * (x - 1 >= log x), lower variance than k1; GRPO's KL term (DeepSeekMath eq. 4,
 * verl `low_var_kl`). Written as `expm1(d) - d` with d = log r: for d near 0
 * `exp(d) - 1 - d` would cancel catastrophically in float32 and could come
 * out negative; the final `maximum(., 0)` absorbs what rounding is left.
 */
function klK3(logp: tf.Tensor1D, refLogp: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const logRatio = tf.sub(refLogp, logp);
    return tf.maximum(tf.sub(tf.expm1(logRatio), logRatio), 0);
  });
}

/**
 * Per-sample KL(pi || ref) estimators (Schulman 2020, "Approximating KL
 * Divergence", http://joschu.net/blog/kl-approx.html), for the KL penalty
 * against a frozen reference policy. Averaging the per-sample values over
 * samples of pi estimates the KL; `logp` carries the gradient. The returned
 * tensor belongs to the caller.
 */
export function klPenalty(logp: tf.Tensor1D, refLogp: tf.Tensor1D, kind: 'k1' | 'k3'): tf.Tensor1D {
  tf.util.assertShapesMatch(logp.shape, refLogp.shape, 'klPenalty: logp and refLogp');
  if (!Object.hasOwn(KL_ESTIMATORS, kind)) throw new Error(`klPenalty: unknown estimator ${String(kind)}`);
  return KL_ESTIMATORS[kind](logp, refLogp);
}

/**
 * Stands in for -infinity on masked logits: exp of it (after the max shift)
 * is exactly 0 in float32, yet `0 * MASKED_LOGIT` stays 0 where -Infinity
 * would give NaN in the entropy and its gradient.
 */
const MASKED_LOGIT = -1e9;

/**
 * Entropy H = -sum_a p(a) log p(a) of each row's categorical distribution,
 * from logits [batch, actions], through log-softmax (stable for any logit
 * scale). Where `mask` is 0 the entry is not an action (padding, or an illegal
 * move): its logit is replaced by a large negative number, so it gets
 * probability 0 and no gradient. A row with no valid action has entropy 0.
 * The returned [batch] tensor belongs to the caller.
 */
export function categoricalEntropy(logits: tf.Tensor2D, mask?: tf.Tensor2D): tf.Tensor1D {
  if (mask) tf.util.assertShapesMatch(logits.shape, mask.shape, 'categoricalEntropy: logits and mask');
  return tf.tidy(() => {
    const valid = mask ? tf.greater(tf.cast(mask, 'float32'), 0) : undefined;
    const logProbs = tf.logSoftmax(valid ? tf.where(valid, logits, tf.fill(logits.shape, MASKED_LOGIT)) : logits);
    const terms = tf.mul(tf.exp(logProbs), logProbs);
    // In an all-masked row log-softmax is uniform over the padding; zeroing
    // the padding terms gives that row entropy 0 instead.
    const validTerms = valid ? tf.where(valid, terms, tf.zerosLike(terms)) : terms;
    return tf.neg(tf.sum<tf.Tensor1D>(validTerms, 1));
  });
}

/**
 * Elementwise entropy of Bernoulli(sigmoid(x)), in nats. The textbook
 * `softplus(x) - x * sigmoid(x)` subtracts two numbers near |x| for large x;
 * since H is even in x, it is computed at a = |x| as
 * `softplus(-a) + a * sigmoid(-a)`, two non-negative terms that shrink
 * smoothly to 0 (no NaN at x = +-50 or beyond). The gradient is right at
 * x = 0 too (it is 0 there, whichever sign abs' subgradient picks). The
 * returned tensor belongs to the caller.
 */
export function bernoulliEntropy(logits: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const negAbs = tf.neg(tf.abs(logits));
    return tf.sub(tf.softplus(negAbs), tf.mul(negAbs, tf.sigmoid(negAbs)));
  });
}

/**
 * Advantage estimators by name, so a trainer's config can pick one (verl
 * registers them with `register_adv_est`). GAE is not here: it needs a
 * critic's values and episode boundaries, not just rewards and groups.
 */
export const ADVANTAGE_ESTIMATORS: Readonly<{ grpo: typeof grpoAdvantages }> = Object.freeze({
  grpo: grpoAdvantages,
});

/** KL estimators by name, as in verl's `kl_penalty` (k1 = "kl", k3 = "low_var_kl"). */
export const KL_ESTIMATORS: Readonly<{ k1: KlEstimator; k3: KlEstimator }> = Object.freeze({
  k1: klK1,
  k3: klK3,
});

/** Broadcasting would silently misalign per-sample terms, so shapes must match exactly; a mean over nothing is NaN. */
function assertSameNonEmptyShape(fn: string, first: tf.Tensor1D, ...rest: tf.Tensor1D[]): void {
  for (const other of rest) tf.util.assertShapesMatch(first.shape, other.shape, `${fn}:`);
  if (first.size === 0) throw new Error(`${fn}: empty batch`);
}
