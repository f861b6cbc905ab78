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
 * One log-probability per sample: the one-item case of
 * `maskedClippedPolicyLoss`, which it calls.
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
): PolicyLoss {
  assertSameNonEmptyShape('clippedPolicyLoss', logp, oldLogp, advantages);
  return tf.tidy(() => {
    const column = (t: tf.Tensor1D) => tf.expandDims<tf.Tensor2D>(t, 1);
    return maskedClippedPolicyLoss(column(logp), column(oldLogp), advantages, tf.ones([logp.size, 1]), clipEps);
  });
}

/** The clipped surrogate and its diagnostics, each a new scalar owned by the caller (a type, not an interface, so tf.tidy can return it). */
export type PolicyLoss = {
  loss: tf.Scalar;
  clipFraction: tf.Scalar;
  approxKl: tf.Scalar;
};

/**
 * The clipped surrogate per item (verl `compute_policy_loss` with
 * `loss_agg_mode = "token-mean"`): a sample is a row of items (tokens in verl;
 * here one categorical decision, or one Bernoulli keep/drop per candidate),
 * each with its own ratio `exp(logp - oldLogp)`, and the sample's advantage is
 * broadcast to all of its items:
 *
 *   loss = sum(mask * max(-A * ratio, -A * clip(ratio))) / sum(mask)
 *
 * Why per item: one ratio for a whole row is the product of its items'
 * ratios, so with 60 keep/drop items a single clip zeroes the gradient of the
 * whole sample; per item, a clip only removes that item's gradient. Averaging
 * over real items (not samples) weighs every decision alike.
 *
 * `mask` is 1 on real items and 0 on padding; padding contributes nothing,
 * not even NaN (its log-ratio is replaced by 0 before `exp`), and gets no
 * gradient. `clipFraction` and `approxKl` (`mean(oldLogp - logp)`) are masked
 * means over real items too. A batch with no real item has loss 0.
 *
 * Shapes: `logp`, `oldLogp`, `mask` [batch, items]; `advantages` [batch].
 * `logp` carries the gradient; the rest is data. Returns new scalars.
 */
export function maskedClippedPolicyLoss(
  logp: tf.Tensor2D,
  oldLogp: tf.Tensor2D,
  advantages: tf.Tensor1D,
  mask: tf.Tensor2D,
  clipEps: number,
): PolicyLoss {
  tf.util.assertShapesMatch(logp.shape, oldLogp.shape, 'maskedClippedPolicyLoss: logp and oldLogp');
  tf.util.assertShapesMatch(logp.shape, mask.shape, 'maskedClippedPolicyLoss: logp and mask');
  tf.util.assertShapesMatch([logp.shape[0]], advantages.shape, 'maskedClippedPolicyLoss: rows and advantages');
  if (logp.size === 0) throw new Error('maskedClippedPolicyLoss: empty batch');
  return tf.tidy(() => {
    const valid = tf.greater(mask, 0);
    const logRatio = tf.where(valid, tf.sub(logp, oldLogp), tf.zerosLike(logp)) as tf.Tensor2D;
    const ratio = tf.exp(logRatio);
    const itemAdvantages = tf.expandDims(advantages, 1);
    const unclipped = tf.mul(ratio, itemAdvantages);
    const clipped = tf.mul(tf.clipByValue(ratio, 1 - clipEps, 1 + clipEps), itemAdvantages);
    // tf.minimum sends the gradient to its first argument on ties, so inside
    // the clip range (where both terms are equal) the gradient is ratio * A.
    const loss = tf.neg(maskedMean(tf.minimum(unclipped, clipped) as tf.Tensor2D, mask));
    const clippedHigh = tf.logicalAnd(tf.greater(itemAdvantages, 0), tf.greater(ratio, 1 + clipEps));
    const clippedLow = tf.logicalAnd(tf.less(itemAdvantages, 0), tf.less(ratio, 1 - clipEps));
    const clipFraction = maskedMean(tf.cast(tf.logicalOr(clippedHigh, clippedLow), 'float32') as tf.Tensor2D, mask);
    const approxKl = tf.neg(maskedMean(logRatio, mask));
    return { loss, clipFraction, approxKl };
  });
}

/**
 * sum(mask * values) / sum(mask): the mean over real items of a padded
 * [batch, items] tensor (verl `masked_mean`). Padding is selected away rather
 * than multiplied by 0, so an Infinity or NaN there cannot leak in. `mask`
 * holds 0s and 1s, so the count is at least 1 whenever there is a real item;
 * with none, the sum is 0 and dividing by max(count, 1) makes the mean 0.
 * Returns a new scalar.
 */
export function maskedMean(values: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  tf.util.assertShapesMatch(values.shape, mask.shape, 'maskedMean: values and mask');
  return tf.tidy(() => {
    const kept = tf.where(tf.greater(mask, 0), values, tf.zerosLike(values));
    return tf.div(tf.sum(kept), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
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
 * Exact KL(pi || ref) per row of two categorical distributions given as
 * logits [batch, actions] at `temperature` (both divided by it, as sampling
 * does): sum_a pi(a) (log pi(a) - log ref(a)) over the real actions
 * (`mask` 1). Where the action space is a handful of moves, summing it is
 * cheap and exact, so the KL term needs no sampled estimator (k1/k3 add
 * variance). Padding gets probability 0 and contributes nothing; a row with
 * no real action has KL 0. `logits` carries the gradient; `refLogits` is data.
 * Returns a new [batch] tensor.
 */
export function categoricalKl(logits: tf.Tensor2D, refLogits: tf.Tensor2D, mask: tf.Tensor2D, temperature = 1): tf.Tensor1D {
  tf.util.assertShapesMatch(logits.shape, refLogits.shape, 'categoricalKl: logits and refLogits');
  tf.util.assertShapesMatch(logits.shape, mask.shape, 'categoricalKl: logits and mask');
  return tf.tidy(() => {
    const valid = tf.greater(mask, 0);
    const logProbs = categoricalLogProbs(logits, mask, temperature);
    const refLogProbs = categoricalLogProbs(refLogits, mask, temperature);
    const terms = tf.mul(tf.exp(logProbs), tf.sub(logProbs, refLogProbs));
    return tf.sum<tf.Tensor1D>(tf.where(valid, terms, tf.zerosLike(terms)), 1);
  });
}

/**
 * Exact KL(Bernoulli(p) || Bernoulli(q)) per item, p = sigmoid(x / T) and
 * q = sigmoid(y / T): p (log p - log q) + (1 - p) (log(1 - p) - log(1 - q)),
 * with log sigmoid(z) = -softplus(-z) so saturated logits stay finite. The
 * items of a keep/drop policy are independent, so this two-outcome KL per
 * candidate is the whole KL split item by item, ready for a mean over real
 * items. Padding (`mask` 0) is 0. `logits` carries the gradient; `refLogits`
 * is data. Returns a new tensor of the logits' shape.
 */
export function bernoulliKl(logits: tf.Tensor2D, refLogits: tf.Tensor2D, mask: tf.Tensor2D, temperature = 1): tf.Tensor2D {
  tf.util.assertShapesMatch(logits.shape, refLogits.shape, 'bernoulliKl: logits and refLogits');
  tf.util.assertShapesMatch(logits.shape, mask.shape, 'bernoulliKl: logits and mask');
  return tf.tidy(() => {
    const x = tf.div(logits, temperature);
    const y = tf.div(refLogits, temperature);
    const logKeep = (z: tf.Tensor) => tf.neg(tf.softplus(tf.neg(z)));
    const logDrop = (z: tf.Tensor) => tf.neg(tf.softplus(z));
    const p = tf.sigmoid(x);
    const kl = tf.add(tf.mul(p, tf.sub(logKeep(x), logKeep(y))), tf.mul(tf.sub(1, p), tf.sub(logDrop(x), logDrop(y))));
    return tf.where(tf.greater(mask, 0), kl, tf.zerosLike(kl)) as tf.Tensor2D;
  });
}

/**
 * log softmax(logits / T) per row over the real entries (`mask` 1): the
 * log-probabilities of a categorical policy that samples at temperature T.
 * Padding is pushed to MASKED_LOGIT before the softmax, so it gets
 * probability 0 and no gradient; its own entry is a large negative number,
 * not a log-probability. Returns a new tensor of the logits' shape.
 */
export function categoricalLogProbs(logits: tf.Tensor2D, mask: tf.Tensor2D, temperature = 1): tf.Tensor2D {
  tf.util.assertShapesMatch(logits.shape, mask.shape, 'categoricalLogProbs: logits and mask');
  return tf.tidy(() => tf.logSoftmax(tf.where(tf.greater(mask, 0), tf.div(logits, temperature), tf.fill(logits.shape, MASKED_LOGIT)) as tf.Tensor2D));
}

/**
 * log pi(keep_i) per item of an independent keep/drop policy sampling at
 * temperature T: log sigmoid(x / T) where item i was kept (`keep` 1),
 * log sigmoid(-x / T) where dropped, written with softplus to stay finite
 * for saturated logits. Padding (`mask` 0) is 0. Returns a new tensor.
 */
export function bernoulliLogProbs(logits: tf.Tensor2D, keep: tf.Tensor2D, mask: tf.Tensor2D, temperature = 1): tf.Tensor2D {
  tf.util.assertShapesMatch(logits.shape, keep.shape, 'bernoulliLogProbs: logits and keep');
  tf.util.assertShapesMatch(logits.shape, mask.shape, 'bernoulliLogProbs: logits and mask');
  return tf.tidy(() => {
    const x = tf.div(logits, temperature);
    const perItem = tf.add(tf.mul(keep, tf.neg(tf.softplus(tf.neg(x)))), tf.mul(tf.sub(1, keep), tf.neg(tf.softplus(x))));
    return tf.where(tf.greater(mask, 0), perItem, tf.zerosLike(perItem)) as tf.Tensor2D;
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

/** Broadcasting would silently misalign per-sample terms, so shapes must match exactly; a mean over nothing is NaN. */
function assertSameNonEmptyShape(fn: string, first: tf.Tensor1D, ...rest: tf.Tensor1D[]): void {
  for (const other of rest) tf.util.assertShapesMatch(first.shape, other.shape, `${fn}:`);
  if (first.size === 0) throw new Error(`${fn}: empty batch`);
}
