import * as tf from '@tensorflow/tfjs';
import type { PolicyLoss } from './core-algos.js';

/** What one training step sampled, and what its updates hold fixed. */
export interface Rollout<S, A> {
  /** One per sample: GRPO repeats each state for every member of its group. */
  states: readonly S[];
  actions: readonly A[];
  rewards: readonly number[];
  /** The advantage of each sample, as the loss uses it (broadcast to the sample's items). */
  advantages: readonly number[];
  /** log π_old per real item of each sample, at the sampling temperature: the ratio's denominator. */
  oldLogProbs: readonly (readonly number[])[];
}

/** Diagnostics of one optimiser update (GRPO: one per epoch; PPO: one per minibatch), means over real items. */
export interface UpdateStats {
  epoch: number;
  minibatch: number;
  policyLoss: number;
  clipFraction: number;
  /** mean(oldLogp - logp): 0 on the first update, where the policy is still the one that sampled. */
  approxKl: number;
  /** Exact KL(π_θ || π_ref) per item. */
  kl: number;
  /** Entropy per item. */
  entropy: number;
  /** PPO only. */
  valueLoss?: number;
}

/** Optional observers of a trainer's step, for tests, debugging and finer logs; they must not change anything. */
export interface TrainerHooks<S, A> {
  onRollout?(rollout: Rollout<S, A>): void;
  onUpdate?(update: UpdateStats): void;
}

/** The real items of each row of a padded [batch × width] tensor, as plain numbers (real items come first). */
export function realItems(values: tf.Tensor2D, mask: tf.Tensor2D): number[][] {
  const counts = (mask.arraySync() as number[][]).map((row) => row.reduce((sum, m) => sum + m, 0));
  return (values.arraySync() as number[][]).map((row, b) => row.slice(0, counts[b]));
}

/** Rows of unequal length as a [rows × width] tensor, padded with 0 (the inverse of `realItems` under a mask). */
export function padRows(rows: readonly (readonly number[])[], width: number): tf.Tensor2D {
  const flat = new Float32Array(rows.length * width);
  rows.forEach((row, b) => flat.set(row.slice(0, width), b * width));
  return tf.tensor2d(flat, [rows.length, width]);
}

/** A scalar tensor's value (diagnostics only; the tensor is left to the enclosing tidy). */
export function read(scalar: tf.Tensor): number {
  return scalar.dataSync()[0]!;
}

/** The surrogate's logged numbers. */
export function readPolicyStats(policy: PolicyLoss): Pick<UpdateStats, 'policyLoss' | 'clipFraction' | 'approxKl'> {
  return { policyLoss: read(policy.loss), clipFraction: read(policy.clipFraction), approxKl: read(policy.approxKl) };
}
