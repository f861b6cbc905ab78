import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { RowState } from '../../models/rl/pad-batch.js';

/** States with the given numbers of rows (actions or candidates), random features and priors. */
export function rowStates(random: () => number, rowCounts: readonly number[], featureDim: number): RowState[] {
  return rowCounts.map((rows) => ({
    features: Float32Array.from({ length: rows * featureDim }, () => random() * 2 - 1),
    prior: Float32Array.from({ length: rows }, () => random() * 2 - 1),
  }));
}

/** Replaces every weight of `net` with seeded normal noise, so the residual (zero at creation) moves the logits. */
export function randomizeWeights(net: tf.LayersModel, seed: number): void {
  const noise = net.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.7, 'float32', seed * 101 + i));
  net.setWeights(noise);
  tf.dispose(noise);
}

/** log(1 + e^x), finite for large |x|. */
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** log softmax(logits / T)[action], in plain arithmetic. */
export function categoricalLogProb(logits: ArrayLike<number>, action: number, temperature: number): number {
  const z = Array.from(logits, (l) => l / temperature);
  const max = Math.max(...z);
  return z[action]! - max - Math.log(z.reduce((sum, v) => sum + Math.exp(v - max), 0));
}

/** log σ(±logit_i / T) per candidate, kept (+) or dropped (−), in plain arithmetic. */
export function bernoulliItemLogProbs(logits: ArrayLike<number>, keep: readonly number[], temperature: number): number[] {
  return Array.from(logits, (l, i) => -softplus(keep[i] === 1 ? -l / temperature : l / temperature));
}

/** Reads a tensor's values into a plain array and disposes it. */
export function take(t: tf.Tensor): number[] {
  const values = Array.from(t.dataSync());
  t.dispose();
  return values;
}

/** Elementwise toBeCloseTo, with a readable failure. */
export function expectAllClose(actual: readonly number[], expected: readonly number[], digits = 5): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value, `index ${i} of [${actual.join(', ')}]`).toBeCloseTo(expected[i]!, digits));
}
