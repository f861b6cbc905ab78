import * as tf from '@tensorflow/tfjs';
import { categoricalEntropy, categoricalKl, categoricalLogProbs } from './core-algos.js';
import { drawIndex, sumItems, type ItemLogProbs, type ItemTerms, type TrainablePolicy } from './policy.js';
import { scoreBatch, scoreState, type RowState } from './pad-batch.js';
import { createResidualNet, frozenCopy, inputDimOf, variablesOf } from './residual-net.js';

/** One decision among a variable number of actions: a feature row and a prior logit (the zero-shot decision) per action. */
export type CategoricalState = RowState;

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

  logProb(states: readonly CategoricalState[], actions: readonly number[], temperature = 1): tf.Tensor1D {
    return tf.tidy(() => sumItems(this.itemLogProbs(states, actions, temperature)));
  }

  /** One item per state: the chosen action, so `logp` is [batch × 1] and every mask entry is 1. */
  itemLogProbs(states: readonly CategoricalState[], actions: readonly number[], temperature = 1): ItemLogProbs {
    return tf.tidy(() => {
      const { logits, mask } = this.batchLogits(states);
      return { logp: chosenLogProb(logits, mask, actions, temperature), mask: tf.ones([states.length, 1]) as tf.Tensor2D };
    });
  }

  entropy(states: readonly CategoricalState[], temperature = 1): tf.Tensor1D {
    return tf.tidy(() => {
      const { logits, mask } = this.batchLogits(states);
      return categoricalEntropy(tf.div(logits, temperature), mask);
    });
  }

  /** prior + r_θ for each state's actions, padded to the batch's largest action count. */
  batchLogits(states: readonly CategoricalState[]): { logits: tf.Tensor2D; mask: tf.Tensor2D } {
    return scoreBatch(this.net, this.featureDim, states);
  }

  /** The one item per state carries the whole decision: its entropy and exact KL are the state's. */
  itemTerms(states: readonly CategoricalState[], actions: readonly number[], refLogits: tf.Tensor2D, temperature = 1): ItemTerms {
    return tf.tidy(() => {
      const { logits, mask } = this.batchLogits(states);
      const column = (t: tf.Tensor1D) => tf.expandDims<tf.Tensor2D>(t, 1);
      return {
        logp: chosenLogProb(logits, mask, actions, temperature),
        entropy: column(categoricalEntropy(tf.div(logits, temperature), mask)),
        kl: column(categoricalKl(logits, refLogits, mask, temperature)),
        mask: tf.ones([states.length, 1]) as tf.Tensor2D,
      };
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
}

/**
 * log π(a|s) at temperature T of each state's chosen action, as [batch × 1].
 * The pick is a one-hot product, not tf.gather: gather's gradient needs
 * UnsortedSegmentSum, which the wasm backend does not implement.
 */
function chosenLogProb(logits: tf.Tensor2D, mask: tf.Tensor2D, actions: readonly number[], temperature: number): tf.Tensor2D {
  const picked = tf.oneHot(tf.tensor1d(actions as number[], 'int32'), logits.shape[1]);
  return tf.sum<tf.Tensor2D>(tf.mul(categoricalLogProbs(logits, mask, temperature), picked), 1, true);
}
