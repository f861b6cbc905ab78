import * as tf from '@tensorflow/tfjs';
import { bernoulliEntropy } from './core-algos.js';
import type { TrainablePolicy } from './policy.js';
import { scoreBatch, scoreState, type RowState } from './pad-batch.js';
import { createResidualNet, frozenCopy, inputDimOf, variablesOf } from './residual-net.js';

/** A keep/drop decision per item (the answer agent's 60 candidates): a feature row and a zero-shot keep logit per item. */
export type BernoulliState = RowState;

/** 1 keeps item i, 0 drops it. */
export type KeepMask = readonly number[];

/**
 * Independent Bernoulli keep/drop per item, p_i = σ(prior_i + r_θ(features_i)):
 * the memory distillation policy. log π(mask|s) sums over the state's items.
 */
export class BernoulliPolicy implements TrainablePolicy<BernoulliState, KeepMask> {
  readonly featureDim: number;

  /** Wraps a residual net (fresh, or loaded from a checkpoint). */
  constructor(readonly net: tf.LayersModel) {
    this.featureDim = inputDimOf(net);
  }

  static create(featureDim: number, options: { hidden?: number; seed?: number } = {}): BernoulliPolicy {
    return new BernoulliPolicy(createResidualNet(featureDim, options.hidden ?? 32, options.seed ?? 1));
  }

  logProb(states: readonly BernoulliState[], actions: readonly KeepMask[]): tf.Tensor1D {
    return tf.tidy(() => {
      const { logits, mask, width } = scoreBatch(this.net, this.featureDim, states);
      const kept = new Float32Array(states.length * width);
      actions.forEach((action, b) => action.forEach((a, i) => (kept[b * width + i] = a)));
      const keep = tf.tensor2d(kept, [states.length, width]);
      // log σ(x) = -softplus(-x): stable for large |x|.
      const logKeep = tf.neg(tf.softplus(tf.neg(logits)));
      const logDrop = tf.neg(tf.softplus(logits));
      const perItem = tf.add(tf.mul(keep, logKeep), tf.mul(tf.sub(1, keep), logDrop));
      return tf.sum(tf.mul(perItem, mask), 1) as tf.Tensor1D;
    });
  }

  entropy(states: readonly BernoulliState[]): tf.Tensor1D {
    return tf.tidy(() => {
      const { logits, mask } = scoreBatch(this.net, this.featureDim, states);
      return tf.sum(tf.mul(bernoulliEntropy(logits), mask), 1) as tf.Tensor1D;
    });
  }

  /** p_i for one state, in plain numbers. */
  keepProbabilities(state: BernoulliState, temperature = 1): Float32Array {
    return this.stateLogits(state).map((l) => 1 / (1 + Math.exp(-l / temperature)));
  }

  sample(state: BernoulliState, random: () => number, temperature = 1): KeepMask {
    return Array.from(this.keepProbabilities(state, temperature), (p) => (random() < p ? 1 : 0));
  }

  sampleGroup(state: BernoulliState, count: number, random: () => number, temperature = 1): KeepMask[] {
    const probabilities = this.keepProbabilities(state, temperature);
    return Array.from({ length: count }, () => Array.from(probabilities, (p) => (random() < p ? 1 : 0)));
  }

  greedy(state: BernoulliState): KeepMask {
    return Array.from(this.stateLogits(state), (l) => (l > 0 ? 1 : 0));
  }

  /**
   * Moves greedy decoding's keep threshold from logit 0 to `threshold` by
   * lowering the output bias by it: every keep logit (and so sampling too)
   * shifts by -threshold, and the saved policy carries the shift.
   */
  shiftKeepThreshold(threshold: number): void {
    const output = this.net.layers[this.net.layers.length - 1]!;
    const [kernel, bias] = output.getWeights();
    const shifted = tf.tidy(() => tf.sub(bias!, threshold));
    output.setWeights([kernel!, shifted]);
    shifted.dispose();
  }

  variables(): tf.Variable[] {
    return variablesOf(this.net);
  }

  snapshot(): BernoulliPolicy {
    return new BernoulliPolicy(frozenCopy(this.net));
  }

  stateLogits(state: BernoulliState): Float32Array {
    return scoreState(this.net, this.featureDim, state);
  }
}
