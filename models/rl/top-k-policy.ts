import * as tf from '@tensorflow/tfjs';
import { categoricalEntropy, categoricalKl, categoricalLogProbs } from './core-algos.js';
import { sumItems, type ItemLogProbs, type ItemTerms, type TrainablePolicy } from './policy.js';
import { scoreBatch, scoreState, type RowState } from './pad-batch.js';
import { createResidualNet, frozenCopy, inputDimOf, variablesOf } from './residual-net.js';

/** The picked candidates' indices, in the order they were drawn (at most `k`). */
export type TopKPicks = readonly number[];

/**
 * A fixed-size subset policy (Plackett–Luce): K candidates drawn one after
 * another without replacement, each with probability softmax(logit / T) over
 * those not yet drawn, logits = prior + r_θ(features) as for the keep/drop
 * policy (the same network, so a checkpoint serves either). It is the policy
 * whose greedy action is what a fixed budget evaluates — the K best by keep
 * logit — so training and selection look at the same thing, and no size
 * term is needed in the reward (a keep/drop policy under a per-memory cost
 * collapsed to keeping nothing). Each draw is one item of the PPO/GRPO ratio,
 * as a token is in verl; sampling uses the Gumbel-top-k trick, which draws
 * exactly this distribution in one pass.
 */
export class TopKPolicy implements TrainablePolicy<RowState, TopKPicks> {
  readonly featureDim: number;

  constructor(
    readonly net: tf.LayersModel,
    readonly k: number,
  ) {
    this.featureDim = inputDimOf(net);
  }

  static create(featureDim: number, k: number, options: { hidden?: number; seed?: number } = {}): TopKPolicy {
    return new TopKPolicy(createResidualNet(featureDim, options.hidden ?? 32, options.seed ?? 1), k);
  }

  logProb(states: readonly RowState[], actions: readonly TopKPicks[], temperature = 1): tf.Tensor1D {
    return tf.tidy(() => sumItems(this.itemLogProbs(states, actions, temperature)));
  }

  /** One item per draw: log softmax over the candidates still available at that draw. */
  itemLogProbs(states: readonly RowState[], actions: readonly TopKPicks[], temperature = 1): ItemLogProbs {
    return tf.tidy(() => {
      const { logits, mask } = this.batchLogits(states);
      const steps = drawSteps(actions, mask, this.k);
      const logProbs = categoricalLogProbs(steps.repeat(logits), steps.available, temperature);
      return { logp: steps.picked(logProbs), mask: steps.itemMask };
    });
  }

  /** Σ over the draws of each draw's entropy, along the greedy order (the expected draws' entropy is not closed-form). */
  entropy(states: readonly RowState[], temperature = 1): tf.Tensor1D {
    return tf.tidy(() => {
      const greedy = states.map((s) => this.greedy(s));
      const { logits, mask } = this.batchLogits(states);
      const steps = drawSteps(greedy, mask, this.k);
      const perDraw = categoricalEntropy(tf.div(steps.repeat(logits), temperature) as tf.Tensor2D, steps.available).reshape([states.length, this.k]) as tf.Tensor2D;
      return tf.sum<tf.Tensor1D>(tf.mul(perDraw, steps.itemMask), 1);
    });
  }

  batchLogits(states: readonly RowState[]): { logits: tf.Tensor2D; mask: tf.Tensor2D } {
    return scoreBatch(this.net, this.featureDim, states);
  }

  itemTerms(states: readonly RowState[], actions: readonly TopKPicks[], refLogits: tf.Tensor2D, temperature = 1): ItemTerms {
    return tf.tidy(() => {
      const { logits, mask } = this.batchLogits(states);
      const steps = drawSteps(actions, mask, this.k);
      const repeated = steps.repeat(logits);
      const logProbs = categoricalLogProbs(repeated, steps.available, temperature);
      const shape: [number, number] = [states.length, this.k];
      return {
        logp: steps.picked(logProbs),
        entropy: tf.mul(categoricalEntropy(tf.div(repeated, temperature) as tf.Tensor2D, steps.available).reshape(shape), steps.itemMask) as tf.Tensor2D,
        kl: tf.mul(categoricalKl(repeated, steps.repeat(refLogits), steps.available, temperature).reshape(shape), steps.itemMask) as tf.Tensor2D,
        mask: steps.itemMask,
      };
    });
  }

  sample(state: RowState, random: () => number, temperature = 1): TopKPicks {
    return gumbelTopK(this.stateLogits(state), this.k, random, temperature);
  }

  sampleGroup(state: RowState, count: number, random: () => number, temperature = 1): TopKPicks[] {
    const logits = this.stateLogits(state);
    return Array.from({ length: count }, () => gumbelTopK(logits, this.k, random, temperature));
  }

  /** The K highest logits, best first (ties: the earlier candidate). */
  greedy(state: RowState): TopKPicks {
    return Array.from(this.stateLogits(state), (logit, i) => ({ logit, i }))
      .sort((a, b) => b.logit - a.logit || a.i - b.i)
      .slice(0, this.k)
      .map((x) => x.i);
  }

  variables(): tf.Variable[] {
    return variablesOf(this.net);
  }

  snapshot(): TopKPolicy {
    return new TopKPolicy(frozenCopy(this.net), this.k);
  }

  stateLogits(state: RowState): Float32Array {
    return scoreState(this.net, this.featureDim, state);
  }
}

/** K indices drawn without replacement ∝ softmax(logits / T): the K largest of logit / T + Gumbel noise. */
function gumbelTopK(logits: Float32Array, k: number, random: () => number, temperature: number): number[] {
  return Array.from(logits, (logit, i) => ({ key: logit / temperature - Math.log(-Math.log(Math.max(random(), 1e-12))), i }))
    .sort((a, b) => b.key - a.key)
    .slice(0, k)
    .map((x) => x.i);
}

/**
 * The draws of a batch laid out as [batch·K × width] rows, one per draw:
 * `available` marks the real candidates not drawn before it, `itemMask`
 * [batch × K] the draws that happened (a state with fewer candidates than K
 * has fewer draws).
 */
function drawSteps(actions: readonly TopKPicks[], mask: tf.Tensor2D, k: number) {
  const [batch, width] = mask.shape;
  const real = mask.arraySync();
  const available = new Float32Array(batch * k * width);
  const onehot = new Float32Array(batch * k * width);
  const itemMask = new Float32Array(batch * k);
  actions.forEach((picks, b) => {
    const left = Float32Array.from(real[b]!);
    for (let j = 0; j < k; j++) {
      const row = (b * k + j) * width;
      available.set(left, row);
      const pick = picks[j];
      if (pick === undefined) continue;
      itemMask[b * k + j] = 1;
      onehot[row + pick] = 1;
      left[pick] = 0;
    }
  });
  const availableTensor = tf.tensor2d(available, [batch * k, width]);
  const pickTensor = tf.tensor2d(onehot, [batch * k, width]);
  const items = tf.tensor2d(itemMask, [batch, k]);
  return {
    available: availableTensor,
    itemMask: items,
    /** Each state's logits repeated for its K draws. */
    repeat: (logits: tf.Tensor2D) => tf.reshape(tf.tile(tf.expandDims(logits, 1), [1, k, 1]), [batch * k, width]) as tf.Tensor2D,
    /** The drawn candidate's entry of each draw's row, [batch × K], 0 where no draw happened. */
    picked: (perDraw: tf.Tensor2D) => tf.mul(tf.sum(tf.mul(perDraw, pickTensor), 1).reshape([batch, k]), items) as tf.Tensor2D,
  };
}
