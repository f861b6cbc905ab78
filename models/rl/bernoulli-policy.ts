import * as tf from '@tensorflow/tfjs';
import { bernoulliEntropy, bernoulliKl, bernoulliLogProbs } from './core-algos.js';
import { sumItems, type ItemLogProbs, type ItemTerms, type TrainablePolicy } from './policy.js';
import { scoreBatch, scoreState, type RowState } from './pad-batch.js';
import { createResidualNet, frozenCopy, inputDimOf, variablesOf } from './residual-net.js';

/** A keep/drop decision per item (the answer agent's 60 candidates): a feature row and a zero-shot keep logit per item. */
export type BernoulliState = RowState;

/** 1 keeps item i, 0 drops it. */
export type KeepMask = readonly number[];

/**
 * Independent Bernoulli keep/drop per item, p_i = σ(prior_i + r_θ(features_i)):
 * the memory distillation policy. log π(mask|s) sums over the state's items;
 * the trainers' ratio is taken per item (`itemLogProbs`).
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

  logProb(states: readonly BernoulliState[], actions: readonly KeepMask[], temperature = 1): tf.Tensor1D {
    return tf.tidy(() => sumItems(this.itemLogProbs(states, actions, temperature)));
  }

  /** One item per candidate: log σ(±logit_i / T), kept (+) or dropped (−); padding masked. */
  itemLogProbs(states: readonly BernoulliState[], actions: readonly KeepMask[], temperature = 1): ItemLogProbs {
    return tf.tidy(() => {
      const { logits, mask } = this.batchLogits(states);
      return { logp: bernoulliLogProbs(logits, keepTensor(actions, logits.shape[1]), mask, temperature), mask };
    });
  }

  /** Σ over the state's candidates of each keep/drop's entropy (the items are independent). */
  entropy(states: readonly BernoulliState[], temperature = 1): tf.Tensor1D {
    return tf.tidy(() => {
      const { logits, mask } = this.batchLogits(states);
      return tf.sum<tf.Tensor1D>(tf.mul(bernoulliEntropy(tf.div(logits, temperature)), mask), 1);
    });
  }

  /** prior_i + r_θ(features_i) per candidate, padded to the batch's largest candidate count. */
  batchLogits(states: readonly BernoulliState[]): { logits: tf.Tensor2D; mask: tf.Tensor2D } {
    return scoreBatch(this.net, this.featureDim, states);
  }

  itemTerms(states: readonly BernoulliState[], actions: readonly KeepMask[], refLogits: tf.Tensor2D, temperature = 1): ItemTerms {
    return tf.tidy(() => {
      const { logits, mask } = this.batchLogits(states);
      return {
        logp: bernoulliLogProbs(logits, keepTensor(actions, logits.shape[1]), mask, temperature),
        entropy: tf.mul(bernoulliEntropy(tf.div(logits, temperature)), mask) as tf.Tensor2D,
        kl: bernoulliKl(logits, refLogits, mask, temperature),
        mask,
      };
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

/** The keep masks as a 0/1 [batch × width] tensor, padded with 0 (padding is masked downstream). */
function keepTensor(actions: readonly KeepMask[], width: number): tf.Tensor2D {
  const kept = new Float32Array(actions.length * width);
  actions.forEach((action, b) => action.forEach((a, i) => (kept[b * width + i] = a)));
  return tf.tensor2d(kept, [actions.length, width]);
}
