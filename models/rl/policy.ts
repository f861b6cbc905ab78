import * as tf from '@tensorflow/tfjs';

/**
 * Per-item log-probabilities of a batch, padded to [batch × width]: an item is
 * one decision the ratio is taken over (a categorical policy's one choice; a
 * keep/drop policy's one candidate). `mask` is 1 on real items, which come
 * first in each row, and 0 on padding, whose `logp` is 0.
 */
export interface ItemLogProbs {
  logp: tf.Tensor2D;
  mask: tf.Tensor2D;
}

/**
 * What a policy-gradient loss needs from one forward pass, per item (same
 * layout and mask as `ItemLogProbs`), all at one temperature: the taken
 * action's log-probability, the entropy of the item's distribution, and the
 * exact KL(π_θ || π_ref) of that distribution.
 */
export interface ItemTerms extends ItemLogProbs {
  entropy: tf.Tensor2D;
  kl: tf.Tensor2D;
}

/**
 * What the trainers need from a policy, whatever its action space. States and
 * actions are plain data so rollouts can be stored and replayed. Every
 * distribution is π at `temperature`, i.e. computed from logits / T as
 * sampling is, so that the ratio's old and new log-probabilities belong to
 * the policy that drew the actions. Tensors returned belong to the caller.
 */
export interface TrainablePolicy<S, A> {
  /** log π(a|s) of each whole action (summed over its items), differentiable with respect to `variables()`. */
  logProb(states: readonly S[], actions: readonly A[], temperature?: number): tf.Tensor1D;
  /** log π per item of each action: what the per-item PPO/GRPO ratio is taken over. */
  itemLogProbs(states: readonly S[], actions: readonly A[], temperature?: number): ItemLogProbs;
  /** Entropy of π(·|s) per state (summed over independent items), differentiable. */
  entropy(states: readonly S[], temperature?: number): tf.Tensor1D;
  /** Padded logits [batch × width] before temperature, and the 0/1 mask of real entries: a reference's side of the exact KL. */
  batchLogits(states: readonly S[]): { logits: tf.Tensor2D; mask: tf.Tensor2D };
  /** The loss's per-item terms in one forward pass; `refLogits` are the reference's `batchLogits` for the same states. */
  itemTerms(states: readonly S[], actions: readonly A[], refLogits: tf.Tensor2D, temperature?: number): ItemTerms;
  /** An action drawn at `temperature` (1.0 in training, as the paper). */
  sample(state: S, random: () => number, temperature?: number): A;
  /** `count` independent draws for one state (a GRPO group), scoring the state once. */
  sampleGroup(state: S, count: number, random: () => number, temperature?: number): A[];
  /** The most likely action (evaluation and inference are greedy, as the paper). */
  greedy(state: S): A;
  /** The state's logits (prior + r_θ per action or item) as plain numbers: the inference path. */
  stateLogits(state: S): Float32Array;
  variables(): tf.Variable[];
  /** A frozen copy of the current parameters (the KL reference): training this policy never moves it. */
  snapshot(): TrainablePolicy<S, A>;
}

/** Σ over real items: the whole action's log-probability from its per-item ones. */
export function sumItems({ logp, mask }: ItemLogProbs): tf.Tensor1D {
  return tf.sum<tf.Tensor1D>(tf.mul(logp, mask), 1);
}

/** Draws an index from unnormalised probabilities. */
export function drawIndex(weights: ArrayLike<number>, random: () => number): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i]!;
  let threshold = random() * total;
  for (let i = 0; i < weights.length; i++) {
    threshold -= weights[i]!;
    if (threshold < 0) return i;
  }
  return weights.length - 1;
}
