import * as tf from '@tensorflow/tfjs';
import { categoricalEntropy } from './core-algos.js';
import { drawIndex, type TrainablePolicy } from './policy.js';
import { scoreBatch, scoreState, type RowState } from './pad-batch.js';
import { createResidualNet, frozenCopy, inputDimOf, variablesOf } from './residual-net.js';

/** One decision among a variable number of actions: a feature row and a prior logit (the zero-shot decision) per action. */
export type CategoricalState = RowState;

const MASKED = -1e9;

/**
 * π(a|s) = softmax(prior(a) + r_θ(features(a))) over a state's own actions
 * (the memory manager's ADD / NOOP / UPDATE(i) / DELETE(i)). States with fewer
 * actions are padded and masked in a batch.
 */
export class CategoricalPolicy implements TrainablePolicy<CategoricalState, number> {
  readonly featureDim: number;

  /** Wraps a residual net (fresh, or loaded from a checkpoint). */
  constructor(readonly net: tf.LayersModel) {
    this.featureDim = inputDimOf(net);
  }

  static create(featureDim: number, options: { hidden?: number; seed?: number } = {}): CategoricalPolicy {
    return new CategoricalPolicy(createResidualNet(featureDim, options.hidden ?? 32, options.seed ?? 1));
  }

  logProb(states: readonly CategoricalState[], actions: readonly number[]): tf.Tensor1D {
    return tf.tidy(() => {
      const { logits, width } = this.logits(states);
      const picked = tf.oneHot(tf.tensor1d(actions as number[], 'int32'), width);
      return tf.sum(tf.mul(tf.logSoftmax(logits), picked), 1) as tf.Tensor1D;
    });
  }

  entropy(states: readonly CategoricalState[]): tf.Tensor1D {
    return tf.tidy(() => {
      const { logits, mask } = this.logits(states);
      return categoricalEntropy(logits, mask);
    });
  }

  /** π(·|s) as plain numbers. */
  probabilities(state: CategoricalState, temperature = 1): Float32Array {
    const logits = this.stateLogits(state);
    const max = Math.max(...logits);
    const weights = logits.map((l) => Math.exp((l - max) / temperature));
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / total);
  }

  sample(state: CategoricalState, random: () => number, temperature = 1): number {
    return drawIndex(this.probabilities(state, temperature), random);
  }

  sampleGroup(state: CategoricalState, count: number, random: () => number, temperature = 1): number[] {
    const probabilities = this.probabilities(state, temperature);
    return Array.from({ length: count }, () => drawIndex(probabilities, random));
  }

  greedy(state: CategoricalState): number {
    const logits = this.stateLogits(state);
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }

  variables(): tf.Variable[] {
    return variablesOf(this.net);
  }

  snapshot(): CategoricalPolicy {
    return new CategoricalPolicy(frozenCopy(this.net));
  }

  stateLogits(state: CategoricalState): Float32Array {
    return scoreState(this.net, this.featureDim, state);
  }

  /** Padded logits for a batch, with padding pushed to -inf so it never gets probability. */
  private logits(states: readonly CategoricalState[]): { logits: tf.Tensor2D; mask: tf.Tensor2D; width: number } {
    const { logits, mask, width } = scoreBatch(this.net, this.featureDim, states);
    const masked = tf.where(tf.cast(mask, 'bool'), logits, tf.fill(logits.shape, MASKED)) as tf.Tensor2D;
    return { logits: masked, mask, width };
  }
}
