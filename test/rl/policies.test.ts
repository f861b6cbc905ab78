import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BernoulliPolicy, type BernoulliState, type KeepMask } from '../../models/rl/bernoulli-policy.js';
import { CategoricalPolicy, type CategoricalState } from '../../models/rl/categorical-policy.js';
import { maskedClippedPolicyLoss } from '../../models/rl/core-algos.js';
import type { TrainablePolicy } from '../../models/rl/policy.js';
import type { RowState } from '../../models/rl/pad-batch.js';
import { mulberry32 } from '../../models/util/seeded-random.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { bernoulliItemLogProbs, categoricalLogProb, expectAllClose, randomizeWeights, rowStates, softplus, take } from './rl-fixtures.js';

beforeAll(async () => {
  await ensureTfBackend();
});

const DIM = 4;

/** A categorical policy whose residual is not zero, so logits are more than the prior. */
function categorical(seed = 3): CategoricalPolicy {
  const policy = CategoricalPolicy.create(DIM, { hidden: 8, seed });
  randomizeWeights(policy.net, seed);
  return policy;
}

function bernoulli(seed = 3): BernoulliPolicy {
  const policy = BernoulliPolicy.create(DIM, { hidden: 8, seed });
  randomizeWeights(policy.net, seed);
  return policy;
}

/** Gradients of `loss` with respect to the policy's variables, flattened. */
function gradients<S, A>(policy: TrainablePolicy<S, A>, loss: () => tf.Scalar): number[] {
  const { grads, value } = tf.variableGrads(loss, policy.variables());
  const flat = policy.variables().flatMap((v) => Array.from(grads[v.name]!.dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  return flat;
}

describe.each([0.5, 1])('log-probabilities and entropy at temperature %s', (T) => {
  it('categorical: per item, per action and entropy match softmax(stateLogits / T) worked out in plain JS', () => {
    const policy = categorical();
    const states = rowStates(mulberry32(5), [2, 5, 3], DIM);
    const actions = [1, 4, 0];
    const expected = states.map((s, b) => categoricalLogProb(policy.stateLogits(s), actions[b]!, T));
    const { logp, mask } = policy.itemLogProbs(states, actions, T);
    expect(logp.shape).toEqual([3, 1]);
    expectAllClose(take(logp), expected);
    expect(take(mask)).toEqual([1, 1, 1]);
    expectAllClose(take(policy.logProb(states, actions, T)), expected);
    const entropy = states.map((s) => {
      const logits = Array.from(policy.stateLogits(s));
      return -logits.reduce((sum, _, a) => sum + Math.exp(categoricalLogProb(logits, a, T)) * categoricalLogProb(logits, a, T), 0);
    });
    expectAllClose(take(policy.entropy(states, T)), entropy);
  });

  it('bernoulli: one item per real candidate, padding masked; the whole mask sums the items', () => {
    const policy = bernoulli();
    const states = rowStates(mulberry32(6), [4, 2], DIM);
    const actions: KeepMask[] = [
      [1, 0, 0, 1],
      [0, 1],
    ];
    const { logp, mask } = policy.itemLogProbs(states, actions, T);
    expect(logp.shape).toEqual([2, 4]);
    const items = states.map((s, b) => bernoulliItemLogProbs(policy.stateLogits(s), actions[b]!, T));
    expectAllClose(take(logp), [...items[0]!, ...items[1]!, 0, 0]);
    expect(take(mask)).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expectAllClose(
      take(policy.logProb(states, actions, T)),
      items.map((row) => row.reduce((a, b) => a + b, 0)),
    );
    // H(sigmoid(z)) = softplus(z) - z sigmoid(z), summed over the state's candidates.
    const entropy = states.map((s) =>
      Array.from(policy.stateLogits(s)).reduce((sum, l) => {
        const z = l / T;
        return sum + softplus(z) - z / (1 + Math.exp(-z));
      }, 0),
    );
    expectAllClose(take(policy.entropy(states, T)), entropy);
  });
});

describe('padding', () => {
  /** A 60-candidate and a 3-candidate state, and each one's keep mask. */
  function mixedBatch(): { states: BernoulliState[]; actions: KeepMask[] } {
    const random = mulberry32(11);
    const states = rowStates(random, [60, 3], DIM);
    const actions = states.map((s) => Array.from(s.prior, () => (random() < 0.5 ? 1 : 0)));
    return { states, actions };
  }

  it('gives the 3-candidate state the same gradient beside a 60-candidate state as alone', () => {
    const policy = bernoulli();
    const reference = bernoulli(9);
    const { states, actions } = mixedBatch();
    /** Σ over one row's items of log-prob, entropy and KL: every per-item term a loss uses. */
    const rowLoss = (batch: readonly BernoulliState[], batchActions: readonly KeepMask[], row: number) => () =>
      tf.tidy(() => {
        const refLogits = reference.batchLogits(batch).logits;
        const terms = policy.itemTerms(batch, batchActions, refLogits, 0.7);
        const pickRow = (t: tf.Tensor2D) => tf.sum(tf.slice(t, [row, 0], [1, -1]));
        return tf.addN([pickRow(terms.logp), pickRow(terms.entropy), pickRow(terms.kl)]) as tf.Scalar;
      });
    const mixed = gradients(policy, rowLoss(states, actions, 1));
    const alone = gradients(policy, rowLoss([states[1]!], [actions[1]!], 0));
    expect(mixed.some((g) => Math.abs(g) > 1e-4)).toBe(true);
    expectAllClose(mixed, alone, 5);
  });

  it('gives the categorical policy\'s short state the same gradient beside a long one as alone', () => {
    const policy = categorical();
    const reference = categorical(9);
    const states = rowStates(mulberry32(12), [7, 2], DIM);
    const rowLoss = (batch: readonly CategoricalState[], actions: readonly number[], row: number) => () =>
      tf.tidy(() => {
        const terms = policy.itemTerms(batch, actions, reference.batchLogits(batch).logits, 0.7);
        return tf.addN([terms.logp, terms.entropy, terms.kl].map((t) => tf.sum(tf.slice(t, [row, 0], [1, -1])))) as tf.Scalar;
      });
    expectAllClose(gradients(policy, rowLoss(states, [3, 1], 1)), gradients(policy, rowLoss([states[1]!], [1], 0)), 5);
  });

  it('the per-item loss of a mixed batch divides by its 63 real items, not 120 padded entries', () => {
    const policy = bernoulli();
    const { states, actions } = mixedBatch();
    const { logp, mask } = policy.itemLogProbs(states, actions);
    // The policy has not moved (ratio 1 everywhere): the loss is -Σ_real A / Σ mask, with A = 0 for the
    // long state and 1 for each of the short state's 3 items: -3 / 63.
    const advantages = tf.tensor1d([0, 1]);
    const { loss, clipFraction, approxKl } = maskedClippedPolicyLoss(logp, logp, advantages, mask, 0.2);
    expect(take(loss)[0]).toBeCloseTo(-3 / 63, 6);
    expect(take(clipFraction)[0]).toBe(0);
    expect(Math.abs(take(approxKl)[0]!)).toBe(0);
    tf.dispose([logp, mask, advantages]);
  });
});

describe('exact KL to the reference through itemTerms', () => {
  /** KL(π ‖ snapshot of π) from itemTerms at T = 0.5 and 1. */
  function klToOwnSnapshot<A>(policy: TrainablePolicy<RowState, A>, states: readonly RowState[], actions: readonly A[]): number[] {
    const reference = policy.snapshot();
    return [0.5, 1].flatMap((T) => take(tf.tidy(() => policy.itemTerms(states, actions, reference.batchLogits(states).logits, T).kl)));
  }

  it('is exactly 0 against a snapshot of the policy itself, at any temperature', () => {
    const states = rowStates(mulberry32(13), [3, 5], DIM);
    expect(klToOwnSnapshot(categorical(), states, [2, 4]).every((v) => v === 0)).toBe(true);
    expect(klToOwnSnapshot(bernoulli(), states, [[1, 0, 1], [0, 0, 1, 1, 0]]).every((v) => v === 0)).toBe(true);
  });

  it('categorical: one item per state holding Σ_a π(a)(log π(a) - log π_ref(a)) at T', () => {
    const policy = categorical(3);
    const reference = categorical(4);
    const states = rowStates(mulberry32(14), [3, 5], DIM);
    const T = 0.5;
    const expected = states.map((s) => {
      const logits = policy.stateLogits(s);
      const refLogits = reference.stateLogits(s);
      return Array.from(logits).reduce((sum, _, a) => {
        const logp = categoricalLogProb(logits, a, T);
        return sum + Math.exp(logp) * (logp - categoricalLogProb(refLogits, a, T));
      }, 0);
    });
    const { kl, mask, logp, entropy } = policy.itemTerms(states, [0, 0], reference.batchLogits(states).logits, T);
    expect(kl.shape).toEqual([2, 1]);
    expect(expected.every((v) => v > 1e-3)).toBe(true);
    expectAllClose(take(kl), expected);
    tf.dispose([mask, logp, entropy]);
  });

  it('bernoulli: the two-outcome KL per real candidate at T, 0 on padding', () => {
    const policy = bernoulli(3);
    const reference = bernoulli(4);
    const states = rowStates(mulberry32(15), [3, 1], DIM);
    const T = 0.5;
    const logSigmoid = (x: number) => -softplus(-x);
    const expected = states.flatMap((s) => {
      const refLogits = reference.stateLogits(s);
      return Array.from(policy.stateLogits(s), (l, i) => {
        const [x, y] = [l / T, refLogits[i]! / T];
        const p = Math.exp(logSigmoid(x));
        return p * (logSigmoid(x) - logSigmoid(y)) + (1 - p) * (logSigmoid(-x) - logSigmoid(-y));
      });
    });
    const { kl, mask, logp, entropy } = policy.itemTerms(states, [[1, 1, 1], [0]], reference.batchLogits(states).logits, T);
    expectAllClose(take(kl), [...expected.slice(0, 3), expected[3]!, 0, 0]);
    tf.dispose([mask, logp, entropy]);
  });
});

describe('a snapshot', () => {
  const states = rowStates(mulberry32(16), [3, 4], DIM);
  /** A policy and the log-prob of fixed actions that training pushes up. */
  type Trainee = { policy: CategoricalPolicy | BernoulliPolicy; logProb: () => tf.Tensor1D };
  const trainees: Array<[string, () => Trainee]> = [
    [
      'categorical',
      () => {
        const policy = categorical();
        return { policy, logProb: () => policy.logProb(states, [2, 3]) };
      },
    ],
    [
      'bernoulli',
      () => {
        const policy = bernoulli();
        return { policy, logProb: () => policy.logProb(states, states.map((s) => Array.from(s.prior, () => 1))) };
      },
    ],
  ];
  it.each(trainees)('of a %s policy does not move when the live policy trains', (_name, make) => {
    const { policy, logProb } = make();
    const snapshot = policy.snapshot();
    const weights = (net: tf.LayersModel) => net.getWeights().map((w) => Array.from(w.dataSync()));
    const before = { snapshot: weights(snapshot.net), live: weights(policy.net), logits: states.map((s) => Array.from(snapshot.stateLogits(s))) };
    const optimizer = tf.train.adam(0.1);
    for (let step = 0; step < 5; step++) optimizer.minimize(() => tf.neg(tf.sum(logProb())) as tf.Scalar, false, policy.variables());
    expect(weights(policy.net)).not.toEqual(before.live);
    expect(weights(snapshot.net)).toEqual(before.snapshot);
    expect(states.map((s) => Array.from(snapshot.stateLogits(s)))).toEqual(before.logits);
    optimizer.dispose();
  });
});

describe('the inference path (stateLogits, plain JavaScript) against the training path (batchLogits, TensorFlow.js)', () => {
  it('gives the same logits for states of every size, with the current weights after each change', () => {
    const random = mulberry32(17);
    for (const policy of [bernoulli(5), categorical(6)]) {
      const states = rowStates(random, [1, 7, 60], DIM);
      const compare = () => {
        const batch = take(tf.tidy(() => policy.batchLogits(states).logits));
        const width = batch.length / states.length;
        states.forEach((state, b) => expectAllClose(Array.from(policy.stateLogits(state)), batch.slice(b * width, b * width + state.prior.length), 4));
      };
      compare();
      randomizeWeights(policy.net, 99); // as a training step changes them: the next call reads the new weights
      compare();
    }
  });
});
