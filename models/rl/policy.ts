import type * as tf from '@tensorflow/tfjs';

/**
 * What the trainers need from a policy, whatever its action space. States and
 * actions are plain data so rollouts can be stored and replayed.
 */
export interface TrainablePolicy<S, A> {
  /** log π(a|s) for each pair, differentiable with respect to `variables()`. */
  logProb(states: readonly S[], actions: readonly A[]): tf.Tensor1D;
  /** Entropy of π(·|s) per state, differentiable. */
  entropy(states: readonly S[]): tf.Tensor1D;
  /** An action drawn at `temperature` (1.0 in training, as the paper). */
  sample(state: S, random: () => number, temperature?: number): A;
  /** `count` independent draws for one state (a GRPO group), scoring the state once. */
  sampleGroup(state: S, count: number, random: () => number, temperature?: number): A[];
  /** The most likely action (evaluation and inference are greedy, as the paper). */
  greedy(state: S): A;
  variables(): tf.Variable[];
  /** A frozen copy of the current parameters (the KL reference). */
  snapshot(): TrainablePolicy<S, A>;
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
