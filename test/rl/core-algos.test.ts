import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import {
  ADVANTAGE_ESTIMATORS,
  bernoulliEntropy,
  bernoulliKl,
  bernoulliLogProbs,
  categoricalEntropy,
  categoricalKl,
  categoricalLogProbs,
  clippedPolicyLoss,
  clippedValueLoss,
  gae,
  grpoAdvantages,
  maskedClippedPolicyLoss,
  maskedMean,
  whiten,
} from '../../models/rl/core-algos.js';

beforeAll(async () => {
  await ensureTfBackend();
});

/** Elementwise toBeCloseTo, with a readable failure. */
function expectAllClose(actual: readonly number[], expected: readonly number[], digits = 5): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => {
    expect(value, `index ${i} of [${actual.join(', ')}]`).toBeCloseTo(expected[i]!, digits);
  });
}

/** Reads a tensor's values into a plain array and disposes it. */
function take(t: tf.Tensor): number[] {
  const values = Array.from(t.dataSync());
  t.dispose();
  return values;
}

const LN2 = Math.log(2);
const LN3 = Math.log(3);
const LN4 = Math.log(4);

describe('grpoAdvantages', () => {
  it('normalises each group by its own mean and unbiased std', () => {
    // Group a = [1, 0, 1]: mean 2/3; squared deviations 1/9 + 4/9 + 1/9 = 2/3, / (n-1 = 2) = 1/3, std = sqrt(1/3) = 0.577350.
    //   1 -> (1/3) / sqrt(1/3) = sqrt(1/3) = 0.577350;  0 -> (-2/3) / sqrt(1/3) = -2 sqrt(1/3) = -1.154701.
    // Group b = [5] alone -> 0.  Group c = [2, 2] all equal -> 0 / (0 + eps) = 0.
    const advantages = grpoAdvantages([1, 5, 0, 2, 1, 2], ['a', 'b', 'a', 'c', 'a', 'c']);
    expectAllClose(advantages, [0.57735, 0, -1.154701, 0, 0.57735, 0]);
  });

  it('accepts numeric group ids and keeps eps in the denominator', () => {
    // [0, 1]: mean 0.5, unbiased var (0.25 + 0.25) / 1 = 0.5, std 0.707107 -> -0.5 / 0.707107 = -0.707107, +0.707107.
    expectAllClose(grpoAdvantages([0, 1], [7, 7]), [-0.707107, 0.707107]);
    // eps = 1: 0.5 / (0.707107 + 1) = 0.292893.
    expectAllClose(grpoAdvantages([0, 1], [7, 7], 1), [-0.292893, 0.292893]);
  });

  it('rejects mismatched lengths and is registered by name', () => {
    expect(() => grpoAdvantages([1, 2], ['a'])).toThrow(/2 rewards but 1 group ids/);
    expect(ADVANTAGE_ESTIMATORS.grpo).toBe(grpoAdvantages);
  });
});

describe('gae', () => {
  // gamma = 0.9, lambda = 0.8, so gamma * lambda = 0.72.
  const gamma = 0.9;
  const lambda = 0.8;

  it('runs backwards through one 3-step episode', () => {
    const { advantages, returns } = gae([1, 0, 2], [0.5, 1, 1.5], [false, false, true], gamma, lambda);
    // t=2 (done): delta = 2 - 1.5 = 0.5; A2 = 0.5.
    // t=1: delta = 0 + 0.9 * 1.5 - 1 = 0.35; A1 = 0.35 + 0.72 * 0.5 = 0.71.
    // t=0: delta = 1 + 0.9 * 1 - 0.5 = 1.4; A0 = 1.4 + 0.72 * 0.71 = 1.9112.
    expectAllClose(advantages, [1.9112, 0.71, 0.5]);
    // returns = A + V: 1.9112 + 0.5, 0.71 + 1, 0.5 + 1.5.
    expectAllClose(returns, [2.4112, 1.71, 2]);
  });

  it('ignores lastValue when the final step is done', () => {
    const { advantages } = gae([1, 0, 2], [0.5, 1, 1.5], [false, false, true], gamma, lambda, 100);
    expectAllClose(advantages, [1.9112, 0.71, 0.5]);
  });

  it('does not bootstrap across a done boundary and bootstraps a cut-off tail from lastValue', () => {
    const { advantages, returns } = gae([1, 0, 2, 1], [0.5, 1, 1.5, 2], [false, true, false, false], gamma, lambda, 3);
    // t=3 (not done, bootstraps lastValue 3): delta = 1 + 0.9 * 3 - 2 = 1.7; A3 = 1.7.
    // t=2: delta = 2 + 0.9 * 2 - 1.5 = 2.3; A2 = 2.3 + 0.72 * 1.7 = 3.524.
    // t=1 (done): delta = 0 - 1 = -1; A1 = -1 (nothing from t=2 leaks in).
    // t=0: delta = 1 + 0.9 * 1 - 0.5 = 1.4; A0 = 1.4 + 0.72 * -1 = 0.68.
    expectAllClose(advantages, [0.68, -1, 3.524, 1.7]);
    // returns: 0.68 + 0.5, -1 + 1, 3.524 + 1.5, 1.7 + 2.
    expectAllClose(returns, [1.18, 0, 5.024, 3.7]);
  });

  it('reduces to r - V for single-step episodes', () => {
    const { advantages, returns } = gae([1, 2, 3], [0.5, 0.5, 4], [true, true, true], gamma, lambda, 9);
    // 1 - 0.5, 2 - 0.5, 3 - 4; returns are the rewards themselves.
    expectAllClose(advantages, [0.5, 1.5, -1]);
    expectAllClose(returns, [1, 2, 3]);
  });

  it('rejects mismatched lengths', () => {
    expect(() => gae([1, 2], [0], [false, true], gamma, lambda)).toThrow(/lengths differ/);
  });
});

describe('whiten', () => {
  it('centres and scales by the population std', () => {
    // [1, 2, 3]: mean 2, population var (1 + 0 + 1) / 3 = 2/3, std 0.816497 -> -1 / 0.816497 = -1.224745, 0, +1.224745.
    expectAllClose(whiten([1, 2, 3]), [-1.224745, 0, 1.224745]);
  });

  it('maps a constant batch to zeros and an empty one to empty', () => {
    expectAllClose(whiten([4, 4]), [0, 0]);
    expect(whiten([])).toEqual([]);
  });
});

describe('clippedPolicyLoss', () => {
  // clipEps = 0.2, so the clip range is [0.8, 1.2]. Ratios and advantages per sample:
  //   1: ratio 1.5, A = +2 -> unclipped 3.0,  clipped 1.2 * 2 = 2.4,   min 2.4  (clipped: A > 0, ratio > 1.2)
  //   2: ratio 0.5, A = -1 -> unclipped -0.5, clipped 0.8 * -1 = -0.8, min -0.8 (clipped: A < 0, ratio < 0.8)
  //   3: ratio 1.1, A = +1 -> both 1.1,                                 min 1.1  (inside the range)
  //   4: ratio 1.5, A = -1 -> unclipped -1.5, clipped -1.2,             min -1.5 (outside, but the unclipped term is smaller)
  //   5: ratio 0.5, A = +2 -> unclipped 1.0,  clipped 1.6,              min 1.0  (outside, but the unclipped term is smaller)
  const ratios = [1.5, 0.5, 1.1, 1.5, 0.5];
  const advantageValues = [2, -1, 1, -1, 2];
  const oldLogpValues = [-1, -2, -0.5, -1.5, -3];
  const logpValues = oldLogpValues.map((old, i) => old + Math.log(ratios[i]!));

  function inputs(): { logp: tf.Tensor1D; oldLogp: tf.Tensor1D; advantages: tf.Tensor1D } {
    return { logp: tf.tensor1d(logpValues), oldLogp: tf.tensor1d(oldLogpValues), advantages: tf.tensor1d(advantageValues) };
  }

  it('computes loss, clip fraction and approximate KL', () => {
    const { logp, oldLogp, advantages } = inputs();
    const { loss, clipFraction, approxKl } = clippedPolicyLoss(logp, oldLogp, advantages, 0.2);
    // loss = -(2.4 - 0.8 + 1.1 - 1.5 + 1.0) / 5 = -2.2 / 5 = -0.44.
    expect(take(loss)[0]).toBeCloseTo(-0.44, 5);
    // samples 1 and 2 clipped: 2 / 5.
    expect(take(clipFraction)[0]).toBeCloseTo(0.4, 6);
    // approxKl = mean(oldLogp - logp) = -(ln1.5 + ln0.5 + ln1.1 + ln1.5 + ln0.5) / 5
    //          = -(0.405465 - 0.693147 + 0.095310 + 0.405465 - 0.693147) / 5 = 0.480054 / 5 = 0.096011.
    expect(take(approxKl)[0]).toBeCloseTo(0.096011, 5);
    tf.dispose([logp, oldLogp, advantages]);
  });

  it('reduces to -mean(A) with nothing clipped and zero KL when the policy has not moved', () => {
    const logp = tf.tensor1d([-1, -2]);
    const advantages = tf.tensor1d([1, -3]);
    const { loss, clipFraction, approxKl } = clippedPolicyLoss(logp, logp, advantages, 0.2);
    // ratio 1: -(1 * 1 + 1 * -3) / 2 = 1.
    expect(take(loss)[0]).toBeCloseTo(1, 6);
    expect(take(clipFraction)[0]).toBe(0);
    expect(take(approxKl)[0]).toBeCloseTo(0, 6);
    tf.dispose([logp, advantages]);
  });

  it('passes gradient to logp only where the unclipped term is the minimum', () => {
    const { logp, oldLogp, advantages } = inputs();
    const grad = tf.grad((x) => clippedPolicyLoss(x as tf.Tensor1D, oldLogp, advantages, 0.2).loss)(logp);
    // d loss / d logp_i = -(1/5) * A_i * ratio_i where the unclipped term is chosen, else 0:
    //   1, 2: clipped -> 0;  3: -(1/5) * 1 * 1.1 = -0.22;  4: -(1/5) * -1 * 1.5 = 0.3;  5: -(1/5) * 2 * 0.5 = -0.2.
    const values = take(grad);
    expect(values.every(Number.isFinite)).toBe(true);
    expectAllClose(values, [0, 0, -0.22, 0.3, -0.2]);
    tf.dispose([logp, oldLogp, advantages]);
  });

  it('rejects mismatched shapes and empty batches', () => {
    const two = tf.tensor1d([0, 0]);
    const three = tf.tensor1d([0, 0, 0]);
    const empty = tf.tensor1d([]);
    expect(() => clippedPolicyLoss(two, three, two, 0.2)).toThrow();
    expect(() => clippedPolicyLoss(empty, empty, empty, 0.2)).toThrow(/empty batch/);
    tf.dispose([two, three, empty]);
  });
});

describe('maskedClippedPolicyLoss (per item, token-mean)', () => {
  // clipEps = 0.2. Two samples padded to 3 items:
  //   sample 0, A = +1, three real items with ratios 1.5, 1.0, 1.1;
  //   sample 1, A = -2, one real item with ratio 0.5, then two padding items whose
  //   would-be log-ratio (50 - -50 = 100) overflows exp in float32 if it leaked in.
  const oldRows = [
    [-1, -2, -0.5],
    [-3, -50, -50],
  ];
  const ratioRows = [
    [1.5, 1, 1.1],
    [0.5, 1, 1],
  ];
  const maskRows = [
    [1, 1, 1],
    [1, 0, 0],
  ];
  const logpRows = oldRows.map((row, b) => row.map((old, i) => (maskRows[b]![i] ? old + Math.log(ratioRows[b]![i]!) : 50)));

  function inputs(logp = logpRows, old = oldRows) {
    return { logp: tf.tensor2d(logp), oldLogp: tf.tensor2d(old), advantages: tf.tensor1d([1, -2]), mask: tf.tensor2d(maskRows) };
  }

  it('averages the clipped surrogate over real items, with clip fraction and approximate KL over real items too', () => {
    const { logp, oldLogp, advantages, mask } = inputs();
    const { loss, clipFraction, approxKl } = maskedClippedPolicyLoss(logp, oldLogp, advantages, mask, 0.2);
    // Per real item min(r A, clip(r) A): 1.2 (clipped), 1, 1.1, and for A = -2, r = 0.5: min(-1, -1.6) = -1.6 (clipped).
    // loss = -(1.2 + 1 + 1.1 - 1.6) / 4 real items = -1.7 / 4 = -0.425 (not / 6 entries, not / 2 samples).
    expect(take(loss)[0]).toBeCloseTo(-0.425, 5);
    // Two of the four real items clipped.
    expect(take(clipFraction)[0]).toBeCloseTo(0.5, 6);
    // -(ln 1.5 + ln 1 + ln 1.1 + ln 0.5) / 4 = -(0.405465 + 0 + 0.095310 - 0.693147) / 4 = 0.048093.
    expect(take(approxKl)[0]).toBeCloseTo(0.048093, 5);
    tf.dispose([logp, oldLogp, advantages, mask]);
  });

  it('ignores whatever sits in padding: same loss, finite, and zero gradient there', () => {
    const zeroPadding = (rows: number[][]) => rows.map((row, b) => row.map((v, i) => (maskRows[b]![i] ? v : 0)));
    const garbage = inputs();
    const clean = inputs(zeroPadding(logpRows), zeroPadding(oldRows));
    const lossOf = (x: typeof garbage) => take(maskedClippedPolicyLoss(x.logp, x.oldLogp, x.advantages, x.mask, 0.2).loss)[0]!;
    expect(lossOf(garbage)).toBeCloseTo(-0.425, 5);
    expect(lossOf(garbage)).toBe(lossOf(clean));
    const grad = take(tf.grad((x) => maskedClippedPolicyLoss(x as tf.Tensor2D, garbage.oldLogp, garbage.advantages, garbage.mask, 0.2).loss)(garbage.logp));
    // d loss / d logp = -(1/4) A r where the unclipped term is the min, else 0:
    //   [0 (clipped), -(1/4) * 1 * 1 = -0.25, -(1/4) * 1.1 = -0.275], [0 (clipped), 0 (padding), 0 (padding)].
    expectAllClose(grad, [0, -0.25, -0.275, 0, 0, 0]);
    tf.dispose([...Object.values(garbage), ...Object.values(clean)]);
  });

  it('clipping one item removes only that item\'s gradient, where one sequence ratio would remove the whole sample\'s', () => {
    // One sample, A = +1, three items: item 0 pushed to ratio 1.5 (past 1.2), items 1 and 2 unmoved (ratio 1).
    const old = [-1, -2, -0.5];
    const moved = [-1 + Math.log(1.5), -2, -0.5];
    const logp = tf.tensor2d([moved]);
    const oldLogp = tf.tensor2d([old]);
    const advantages = tf.tensor1d([1]);
    const mask = tf.tensor2d([[1, 1, 1]]);
    const perItem = take(tf.grad((x) => maskedClippedPolicyLoss(x as tf.Tensor2D, oldLogp, advantages, mask, 0.2).loss)(logp));
    // Item 0 clipped -> 0; items 1 and 2: -(1/3) * A * r = -1/3 each.
    expectAllClose(perItem, [0, -1 / 3, -1 / 3]);
    // The same sample as one product of ratios (1.5 * 1 * 1 > 1.2): the whole sample's gradient is 0.
    const sequence = take(tf.grad((x) => clippedPolicyLoss(tf.sum<tf.Tensor1D>(x, 1), tf.sum<tf.Tensor1D>(oldLogp, 1), advantages, 0.2).loss)(logp));
    expectAllClose(sequence, [0, 0, 0]);
    tf.dispose([logp, oldLogp, advantages, mask]);
  });

  it('equals clippedPolicyLoss when every sample is one real item', () => {
    const logp = tf.tensor2d([[-0.5], [-2], [-1]]);
    const oldLogp = tf.tensor2d([[-1], [-1.5], [-1]]);
    const advantages = tf.tensor1d([1, -1, 2]);
    const masked = maskedClippedPolicyLoss(logp, oldLogp, advantages, tf.onesLike(logp), 0.2);
    const flat = clippedPolicyLoss(tf.reshape<tf.Rank.R1>(logp, [-1]), tf.reshape<tf.Rank.R1>(oldLogp, [-1]), advantages, 0.2);
    expect(take(masked.loss)[0]).toBeCloseTo(take(flat.loss)[0]!, 6);
    expect(take(masked.clipFraction)[0]).toBeCloseTo(take(flat.clipFraction)[0]!, 6);
    tf.dispose([logp, oldLogp, advantages, masked.approxKl, flat.approxKl]);
  });

  it('rejects mismatched shapes and empty batches', () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    const b = tf.zeros([2, 2]) as tf.Tensor2D;
    const adv2 = tf.zeros([2]) as tf.Tensor1D;
    const adv3 = tf.zeros([3]) as tf.Tensor1D;
    const empty = tf.zeros([0, 3]) as tf.Tensor2D;
    expect(() => maskedClippedPolicyLoss(a, b, adv2, a, 0.2)).toThrow();
    expect(() => maskedClippedPolicyLoss(a, a, adv3, a, 0.2)).toThrow();
    expect(() => maskedClippedPolicyLoss(empty, empty, tf.zeros([0]) as tf.Tensor1D, empty, 0.2)).toThrow(/empty batch/);
    tf.dispose([a, b, adv2, adv3, empty]);
  });
});

describe('maskedMean', () => {
  it('divides by the number of real items and never sees padding', () => {
    const values = tf.tensor2d([
      [1, 2, 3],
      [4, NaN, Infinity],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 0],
      [1, 0, 0],
    ]);
    // (1 + 2 + 4) / 3 = 2.333333.
    expect(take(maskedMean(values, mask))[0]).toBeCloseTo(7 / 3, 5);
    const none = tf.zerosLike(mask) as tf.Tensor2D;
    expect(take(maskedMean(values, none))[0]).toBe(0);
    tf.dispose([values, mask, none]);
  });
});

describe('clippedValueLoss', () => {
  // clip = 0.2. Per sample (v, oldV, R):
  //   1: (1.0, 0.5, 1.0): unclipped (1 - 1)^2 = 0; vClipped = 0.5 + 0.2 = 0.7, (0.7 - 1)^2 = 0.09; max 0.09 (clipped branch)
  //   2: (0.6, 0.5, 2.0): v - oldV = 0.1 inside the clip, both (0.6 - 2)^2 = 1.96
  //   3: (0.0, 0.5, 1.0): unclipped (0 - 1)^2 = 1; vClipped = 0.3, (0.3 - 1)^2 = 0.49; max 1 (unclipped branch)
  const v = [1, 0.6, 0];
  const oldV = [0.5, 0.5, 0.5];
  const R = [1, 2, 1];

  it('takes the larger of the clipped and unclipped squared errors', () => {
    const [values, oldValues, returns] = [tf.tensor1d(v), tf.tensor1d(oldV), tf.tensor1d(R)];
    // 0.5 * (0.09 + 1.96 + 1) / 3 = 0.5 * 1.016667 = 0.508333.
    expect(take(clippedValueLoss(values, oldValues, returns, 0.2))[0]).toBeCloseTo(0.508333, 5);
    tf.dispose([values, oldValues, returns]);
  });

  it('passes no gradient through the clipped branch', () => {
    const [values, oldValues, returns] = [tf.tensor1d(v), tf.tensor1d(oldV), tf.tensor1d(R)];
    const grad = tf.grad((x) => clippedValueLoss(x as tf.Tensor1D, oldValues, returns, 0.2))(values);
    // d/dv of 0.5 * mean((v - R)^2) = (v - R) / 3 on unclipped samples:
    //   1: clipped branch, v - oldV = 0.5 beyond 0.2 -> 0;  2: (0.6 - 2) / 3 = -0.466667;  3: (0 - 1) / 3 = -0.333333.
    expectAllClose(take(grad), [0, -0.466667, -0.333333]);
    tf.dispose([values, oldValues, returns]);
  });
});

describe('temperature log-probabilities', () => {
  it('categoricalLogProbs is log softmax(logits / T) over the real actions', () => {
    const logits = tf.tensor2d([[0, LN3, 5]]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    // T = 1: p = [1/4, 3/4] over the two real actions (the masked 5 would dominate).
    expectAllClose(take(categoricalLogProbs(logits, mask)).slice(0, 2), [Math.log(0.25), Math.log(0.75)]);
    // T = 0.5: logits / T = [0, 2 ln 3], p = [1/10, 9/10].
    expectAllClose(take(categoricalLogProbs(logits, mask, 0.5)).slice(0, 2), [Math.log(0.1), Math.log(0.9)]);
    tf.dispose([logits, mask]);
  });

  it('bernoulliLogProbs is log sigmoid(+-logit / T) per item, 0 on padding', () => {
    const logits = tf.tensor2d([[LN3, LN3, 7]]);
    const keep = tf.tensor2d([[1, 0, 1]]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    // T = 1: sigmoid(ln 3) = 3/4: kept ln 0.75, dropped ln 0.25.
    expectAllClose(take(bernoulliLogProbs(logits, keep, mask)), [Math.log(0.75), Math.log(0.25), 0]);
    // T = 0.5: sigmoid(2 ln 3) = 9/10.
    expectAllClose(take(bernoulliLogProbs(logits, keep, mask, 0.5)), [Math.log(0.9), Math.log(0.1), 0]);
    tf.dispose([logits, keep, mask]);
  });
});

describe('exact KL', () => {
  it('categoricalKl sums pi (log pi - log ref) over the real actions, at the temperature', () => {
    // Row 0: pi = softmax([0, ln 2]) = [1/3, 2/3], ref = [1/2, 1/2], a masked third action.
    //   KL = 1/3 ln(2/3) + 2/3 ln(4/3) = (5/3) ln 2 - ln 3 = 0.056633.
    // Row 1: the policy equals the reference -> 0.
    const logits = tf.tensor2d([
      [0, LN2, 9],
      [1, -1, 0.5],
    ]);
    const refLogits = tf.tensor2d([
      [0, 0, -9],
      [1, -1, 0.5],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 0],
      [1, 1, 1],
    ]);
    expectAllClose(take(categoricalKl(logits, refLogits, mask)), [0.056633, 0], 6);
    // T = 0.5: pi = softmax([0, 2 ln 2]) = [1/5, 4/5], ref still uniform: 0.2 ln 0.4 + 0.8 ln 1.6 = 0.192745.
    expectAllClose(take(categoricalKl(logits, refLogits, mask, 0.5)), [0.192745, 0], 6);
    tf.dispose([logits, refLogits, mask]);
  });

  it('bernoulliKl is the two-outcome KL per real item, 0 on padding', () => {
    // Item 0: p = sigmoid(ln 3) = 3/4 against q = 1/2: 0.75 ln 1.5 + 0.25 ln 0.5 = 0.130812.
    // Item 1: equal logits -> 0.  Item 2: padding -> 0.
    const logits = tf.tensor2d([[LN3, 2, 40]]);
    const refLogits = tf.tensor2d([[0, 2, -40]]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    expectAllClose(take(bernoulliKl(logits, refLogits, mask)), [0.130812, 0, 0], 6);
    // T = 0.5: p = sigmoid(2 ln 3) = 9/10 against 1/2: 0.9 ln 1.8 + 0.1 ln 0.2 = 0.368064.
    expectAllClose(take(bernoulliKl(logits, refLogits, mask, 0.5)), [0.368064, 0, 0], 6);
    tf.dispose([logits, refLogits, mask]);
  });

  it('has finite gradients, none into padding, and none at the reference (KL is minimal there)', () => {
    const logits = tf.tensor2d([[0.3, -1.2, 50]]);
    const mask = tf.tensor2d([[1, 1, 0]]);
    for (const kl of [
      (x: tf.Tensor2D) => tf.sum(categoricalKl(x, logits, mask, 0.5)),
      (x: tf.Tensor2D) => tf.sum(bernoulliKl(x, logits, mask, 0.5)),
    ]) {
      const atReference = take(tf.grad((x) => kl(x as tf.Tensor2D))(logits));
      expectAllClose(atReference, [0, 0, 0], 6);
      const moved = tf.tensor2d([[1.3, -1.2, -50]]);
      const away = take(tf.grad((x) => kl(x as tf.Tensor2D))(moved));
      expect(away.every(Number.isFinite)).toBe(true);
      expect(away[2]).toBe(0);
      expect(Math.abs(away[0]!)).toBeGreaterThan(1e-3);
      moved.dispose();
    }
    tf.dispose([logits, mask]);
  });
});

describe('categoricalEntropy', () => {
  it('is ln 4 for uniform logits over 4 actions, ln 2 over 2 valid, ~0 when one logit dominates', () => {
    const logits = tf.tensor2d([
      [0, 0, 0, 0],
      [3, 3, 7, -2], // the masked 7 would dominate if it counted
      [100, 0, 0, 0],
      [0, LN3, 0, 0], // p = [1/4, 3/4] over the first two
      [5, 1, 2, 3], // nothing valid
    ]);
    const mask = tf.tensor2d([
      [1, 1, 1, 1],
      [1, 1, 0, 0],
      [1, 1, 1, 1],
      [1, 1, 0, 0],
      [0, 0, 0, 0],
    ]);
    // Row 4: -(0.25 ln 0.25 + 0.75 ln 0.75) = 0.25 * 1.386294 + 0.75 * 0.287682 = 0.562335.
    // Row 3: 3 * e^-100 * (100 + 1) ~ 1e-41 -> 0.  Row 5: no valid action -> 0.
    expectAllClose(take(categoricalEntropy(logits, mask)), [LN4, LN2, 0, 0.562335, 0]);
    tf.dispose([logits, mask]);
  });

  it('without a mask uses every entry', () => {
    const logits = tf.tensor2d([
      [0, 0, 0, 0],
      [3, 3, 7, -2],
    ]);
    // Row 2: logits - 7 = [-4, -4, 0, -9]; Z = 2e^-4 + 1 + e^-9 = 1.036755, ln Z = 0.036095;
    //   -ln p = [4.036095, 4.036095, 0.036095, 9.036095]; p = [0.017666, 0.017666, 0.964548, 0.000119];
    //   H = -sum p ln p = 2 * 0.017666 * 4.036095 + 0.964548 * 0.036095 + 0.000119 * 9.036095
    //     = 0.142606 + 0.034815 + 0.001076 = 0.178497.
    expectAllClose(take(categoricalEntropy(logits)), [LN4, 0.178497], 5);
    logits.dispose();
  });

  it('has finite gradients and none into masked entries or all-masked rows', () => {
    const logits = tf.tensor2d([
      [1, 0, 9, 2],
      [5, 1, 2, 3],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 0, 1],
      [0, 0, 0, 0],
    ]);
    const grad = take(tf.grad((x) => tf.sum(categoricalEntropy(x as tf.Tensor2D, mask)))(logits));
    expect(grad.every(Number.isFinite)).toBe(true);
    expect(grad[2]).toBe(0);
    expect(grad.slice(4)).toEqual([0, 0, 0, 0]);
    // dH/dz_i = -p_i (ln p_i + H): nonzero on the valid entries of row 1 (they are not uniform).
    expect(Math.abs(grad[0]!)).toBeGreaterThan(1e-3);
    tf.dispose([logits, mask]);
  });
});

describe('bernoulliEntropy', () => {
  it('is ln 2 at 0, H(0.75) at +-ln 3, ~0 (and not NaN) for large |logits|', () => {
    const logits = tf.tensor1d([0, LN3, -LN3, 50, -50, 1e4]);
    // sigmoid(ln 3) = 3/4: -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.562335; sigmoid(+-50) is 1 - 2e-22 or 2e-22: H ~ 51 e^-50 ~ 1e-20.
    const values = take(bernoulliEntropy(logits));
    expect(values.every(Number.isFinite)).toBe(true);
    expect(values.every((h) => h >= 0)).toBe(true);
    expectAllClose(values, [LN2, 0.562335, 0.562335, 0, 0, 0]);
    logits.dispose();
  });

  it('keeps the input shape and differentiates cleanly', () => {
    const logits = tf.tensor2d([
      [0, LN3],
      [-50, 50],
    ]);
    const entropy = bernoulliEntropy(logits);
    expect(entropy.shape).toEqual([2, 2]);
    entropy.dispose();
    // dH/dx = -x sigmoid(x) (1 - sigmoid(x)): 0 at 0; at ln 3: -1.098612 * 0.75 * 0.25 = -0.205990; ~0 at +-50.
    const grad = take(tf.grad((x) => tf.sum(bernoulliEntropy(x)))(logits));
    expectAllClose(grad, [0, -0.20599, 0, 0]);
    logits.dispose();
  });
});

describe('tensor ownership', () => {
  it('leaks nothing inside tf.tidy', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const a = tf.tensor1d([-1, -2, -0.5]);
      const b = tf.tensor1d([-1.2, -1.5, -0.4]);
      const c = tf.tensor1d([1, -1, 0.5]);
      clippedPolicyLoss(a, b, c, 0.2);
      const rows = tf.tensor2d([[1, 2, 3]]);
      const mask = tf.tensor2d([[1, 0, 1]]);
      maskedClippedPolicyLoss(rows, rows, tf.tensor1d([1]), mask, 0.2);
      maskedMean(rows, mask);
      categoricalKl(rows, rows, mask, 0.5);
      bernoulliKl(rows, rows, mask, 0.5);
      categoricalLogProbs(rows, mask, 0.5);
      bernoulliLogProbs(rows, mask, mask, 0.5);
      clippedValueLoss(a, b, c, 0.2);
      categoricalEntropy(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1, 0, 1]]));
      categoricalEntropy(tf.tensor2d([[1, 2, 3]]));
      bernoulliEntropy(a);
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns only new tensors, frees its intermediates and never disposes its inputs', () => {
    const a = tf.tensor1d([-1, -2, -0.5]);
    const b = tf.tensor1d([-1.2, -1.5, -0.4]);
    const c = tf.tensor1d([1, -1, 0.5]);
    const logits = tf.tensor2d([[1, 2, 3]]);
    const mask = tf.tensor2d([[1, 0, 1]]);
    const oneAdvantage = tf.tensor1d([1]);
    const calls: Array<[number, () => tf.Tensor[]]> = [
      [3, () => Object.values(clippedPolicyLoss(a, b, c, 0.2))],
      [3, () => Object.values(maskedClippedPolicyLoss(logits, logits, oneAdvantage, mask, 0.2))],
      [1, () => [maskedMean(logits, mask)]],
      [1, () => [categoricalKl(logits, logits, mask, 0.5)]],
      [1, () => [bernoulliKl(logits, logits, mask, 0.5)]],
      [1, () => [categoricalLogProbs(logits, mask, 0.5)]],
      [1, () => [bernoulliLogProbs(logits, mask, mask, 0.5)]],
      [1, () => [clippedValueLoss(a, b, c, 0.2)]],
      [1, () => [categoricalEntropy(logits, mask)]],
      [1, () => [categoricalEntropy(logits)]],
      [1, () => [bernoulliEntropy(a)]],
    ];
    for (const [count, call] of calls) {
      const before = tf.memory().numTensors;
      const outputs = call();
      expect(tf.memory().numTensors - before).toBe(count);
      tf.dispose(outputs);
      expect(tf.memory().numTensors).toBe(before);
    }
    for (const input of [a, b, c, logits, mask, oneAdvantage]) expect(input.isDisposed).toBe(false);
    tf.dispose([a, b, c, logits, mask, oneAdvantage]);
  });
});

describe('inside an optimiser step', () => {
  it('lowers the PPO objective with an entropy bonus and the exact KL to a reference, without leaking', () => {
    // A 3-armed bandit policy: one row of logits, actions sampled earlier with these advantages.
    const logits = tf.variable(tf.tensor2d([[0, 0, 0]]));
    const actions = tf.tensor1d([0, 1, 2, 0], 'int32');
    const advantages = tf.tensor1d([1, -1, 0.5, 1]);
    const oldLogp = tf.fill([4], -LN3) as tf.Tensor1D; // uniform old policy
    const refLogits = tf.zeros([1, 3]) as tf.Tensor2D; // the uniform reference
    const allActions = tf.ones([1, 3]) as tf.Tensor2D;
    const optimizer = tf.train.sgd(0.1);
    const objective = (): tf.Scalar =>
      tf.tidy(() => {
        const logProbs = tf.logSoftmax(logits as tf.Tensor2D);
        // Pick log pi(a) with a one-hot product: tf.gather's gradient needs
        // UnsortedSegmentSum, which the wasm backend does not implement.
        const logp = tf.sum<tf.Tensor1D>(tf.mul(logProbs, tf.oneHot(actions, 3)), 1);
        const { loss } = clippedPolicyLoss(logp, oldLogp, advantages, 0.2);
        const entropy = tf.mean(categoricalEntropy(logProbs));
        const kl = tf.mean(categoricalKl(logits as tf.Tensor2D, refLogits, allActions));
        return tf.addN([loss, tf.mul(-0.01, entropy), tf.mul(0.05, kl)]) as tf.Scalar;
      });
    const first = take(objective())[0]!;
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) optimizer.minimize(objective);
    expect(tf.memory().numTensors).toBe(before);
    const last = take(objective())[0]!;
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(first);
    // The arm with the largest total advantage (action 0: 1 + 1) gained probability.
    const probs = take(tf.softmax(logits));
    expect(probs[0]).toBeGreaterThan(1 / 3);
    tf.dispose([logits, actions, advantages, oldLogp, refLogits, allActions]);
    optimizer.dispose();
  });
});
