import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BernoulliPolicy, type KeepMask } from '../../models/rl/bernoulli-policy.js';
import { CategoricalPolicy, type CategoricalState } from '../../models/rl/categorical-policy.js';
import { DEFAULT_GRPO, GrpoTrainer, type RewardFn } from '../../models/rl/grpo-trainer.js';
import type { RowState } from '../../models/rl/pad-batch.js';
import type { TrainablePolicy } from '../../models/rl/policy.js';
import { DEFAULT_PPO, PpoTrainer } from '../../models/rl/ppo-trainer.js';
import { createValueNet } from '../../models/rl/residual-net.js';
import type { StepMetrics } from '../../models/rl/step-metrics.js';
import type { Rollout, TrainerHooks, UpdateStats } from '../../models/rl/trainer-hooks.js';
import { mulberry32 } from '../../models/util/seeded-random.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { train } from '../../models/train/train-loop.js';
import { bernoulliItemLogProbs, categoricalLogProb, randomizeWeights, rowStates } from './rl-fixtures.js';

beforeAll(async () => {
  await ensureTfBackend();
});

const DIM = 4;

/** Either trainer, built around one policy with the given hooks. */
type MakeTrainer = <A>(policy: TrainablePolicy<RowState, A>, temperature: number, hooks: TrainerHooks<RowState, A>) => { step(states: readonly RowState[], reward: RewardFn<RowState, A>): Promise<StepMetrics> };

const grpo: MakeTrainer = (policy, temperature, hooks) => new GrpoTrainer(policy, { ...DEFAULT_GRPO, groupSize: 4, learningRate: 0.05, temperature }, mulberry32(21), { hooks });
const ppo: MakeTrainer = (policy, temperature, hooks) =>
  new PpoTrainer(policy, createValueNet(1, 8, 5), () => Float32Array.of(1), { ...DEFAULT_PPO, minibatchSize: 2, learningRate: 0.05, temperature }, mulberry32(22), hooks);

/** One step; returns the rollout the trainer froze, the policy's own log-probs of it at T (plain JS, read when the rollout was made) and the updates. */
async function observeStep<A>(
  policy: TrainablePolicy<RowState, A> & { stateLogits(state: RowState): Float32Array },
  ownLogProbs: (logits: Float32Array, action: A) => number[],
  make: MakeTrainer,
  temperature: number,
  reward: RewardFn<RowState, A>,
): Promise<{ rollout: Rollout<RowState, A>; expected: number[][]; updates: UpdateStats[] }> {
  let rollout: Rollout<RowState, A> | undefined;
  let expected: number[][] = [];
  const updates: UpdateStats[] = [];
  const trainer = make(policy, temperature, {
    onRollout: (r) => {
      rollout = r;
      expected = r.states.map((s, i) => ownLogProbs(policy.stateLogits(s), r.actions[i]!));
    },
    onUpdate: (u) => updates.push(u),
  });
  await trainer.step(rowStates(mulberry32(23), [3, 5, 2, 4], DIM), reward);
  return { rollout: rollout!, expected, updates };
}

function expectRowsClose(actual: readonly (readonly number[])[], expected: readonly (readonly number[])[]): void {
  expect(actual.map((row) => row.length)).toEqual(expected.map((row) => row.length));
  actual.forEach((row, b) => row.forEach((v, i) => expect(v, `sample ${b} item ${i}`).toBeCloseTo(expected[b]![i]!, 5)));
}

describe.each([
  ['GRPO', grpo],
  ['PPO', ppo],
] as const)('%s', (_name, make) => {
  describe.each([0.5, 1])('at temperature %s', (T) => {
    it('stores the categorical policy\'s own log-prob of each sampled action at T, and starts at ratio 1', async () => {
      const policy = CategoricalPolicy.create(DIM, { hidden: 8, seed: 2 });
      randomizeWeights(policy.net, 2);
      const { rollout, expected, updates } = await observeStep(policy, (logits, a: number) => [categoricalLogProb(logits, a, T)], make, T, (_s, a) => (a === 0 ? 1 : 0));
      expectRowsClose(rollout.oldLogProbs, expected);
      expect(updates[0]).toMatchObject({ epoch: 0, minibatch: 0, clipFraction: 0 });
      expect(Math.abs(updates[0]!.approxKl)).toBeLessThan(1e-6);
      expect(Math.abs(updates[0]!.kl)).toBeLessThan(1e-6);
    });

    it('stores the Bernoulli policy\'s own per-candidate log-probs at T, and starts at ratio 1', async () => {
      const policy = BernoulliPolicy.create(DIM, { hidden: 8, seed: 2 });
      randomizeWeights(policy.net, 2);
      const { rollout, expected, updates } = await observeStep(policy, (logits, a: KeepMask) => bernoulliItemLogProbs(logits, a, T), make, T, (_s, a) => a[0]!);
      // One item per real candidate: 3, 5, 2 and 4 of them (GRPO repeats each state per group member).
      expect(new Set(rollout.oldLogProbs.map((row) => row.length))).toEqual(new Set([3, 5, 2, 4]));
      expectRowsClose(rollout.oldLogProbs, expected);
      expect(updates[0]).toMatchObject({ epoch: 0, minibatch: 0, clipFraction: 0 });
      expect(Math.abs(updates[0]!.approxKl)).toBeLessThan(1e-6);
      expect(Math.abs(updates[0]!.kl)).toBeLessThan(1e-6);
    });
  });

  it('leaks no tensors from one step to the next', async () => {
    const policy = BernoulliPolicy.create(DIM, { hidden: 8, seed: 2 });
    const trainer = make(policy, 1, {});
    const states = rowStates(mulberry32(24), [3, 5, 2, 4], DIM);
    await trainer.step(states, (_s, a) => a[0]!); // the optimizers create their slots here
    const before = tf.memory().numTensors;
    await trainer.step(states, (_s, a) => a[0]!);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('learning from the advantages (a 3-armed contextual bandit where action 2 is best)', () => {
  /** Each state: 3 actions whose first feature flags the best one (always action 2), noise elsewhere, a flat prior. */
  function banditStates(count: number): CategoricalState[] {
    const random = mulberry32(31);
    return Array.from({ length: count }, () => ({
      features: Float32Array.from({ length: 3 * 3 }, (_, i) => (i % 3 === 0 ? (i === 6 ? 1 : 0) : random() * 2 - 1)),
      prior: new Float32Array(3),
    }));
  }
  const bestArm: RewardFn<CategoricalState, number> = (_s, a) => (a === 2 ? 1 : 0);
  /** No signal: every action scores the same, so every advantage is 0. */
  const flat: RewardFn<CategoricalState, number> = () => 1;

  async function trainBandit(algo: 'grpo' | 'ppo', reward: RewardFn<CategoricalState, number>): Promise<{ before: number; after: number }> {
    const states = banditStates(16);
    const policy = CategoricalPolicy.create(3, { hidden: 8, seed: 4 });
    const bestProbability = () => states.reduce((sum, s) => sum + policy.probabilities(s)[2]!, 0) / states.length;
    const trainer =
      algo === 'grpo'
        ? new GrpoTrainer(policy, { ...DEFAULT_GRPO, learningRate: 0.05 }, mulberry32(32))
        : new PpoTrainer(policy, createValueNet(1, 8, 5), () => Float32Array.of(1), { ...DEFAULT_PPO, minibatchSize: 16, learningRate: 0.05 }, mulberry32(33));
    const before = bestProbability();
    for (let step = 0; step < 30; step++) await trainer.step(algo === 'grpo' ? states.slice(0, 4) : states, reward);
    return { before, after: bestProbability() };
  }

  it.each(['grpo', 'ppo'] as const)('%s raises the best action\'s probability from 1/3 only when the rewards tell actions apart', async (algo) => {
    const learned = await trainBandit(algo, bestArm);
    expect(learned.before).toBeCloseTo(1 / 3, 6);
    expect(learned.after).toBeGreaterThan(0.8);
    const control = await trainBandit(algo, flat);
    expect(Math.abs(control.after - 1 / 3)).toBeLessThan(0.05);
  });
});

describe('the KL reference of a training run (the updater anchors it to the base version)', () => {
  const env = (states: RowState[]) => ({ states, reward: () => 1, stateFeatures: () => Float32Array.of(1), evaluate: () => ({}) });

  // GRPO reports the KL of the rollout's policy (0 to itself at step 1); PPO after its minibatch updates (small, not 0).
  it.each(['grpo', 'ppo'] as const)('%s: KL near 0 to the starting policy at step 1, far above it to another reference given', async (algo) => {
    const states = rowStates(mulberry32(31), [3, 4, 5], DIM);
    const run = async (reference: boolean) => {
      const policy = BernoulliPolicy.create(DIM, { seed: 3 });
      randomizeWeights(policy.net, 41);
      const base = BernoulliPolicy.create(DIM, { seed: 3 });
      const { history } = await train(env(states), policy, { algo, steps: 1, batchSize: 3, seed: 5, evalEvery: 1, ...(reference ? { reference: base } : {}) });
      return history[0]!.kl;
    };
    const [own, other] = [await run(false), await run(true)];
    expect(own).toBeLessThan(0.02);
    expect(other).toBeGreaterThan(10 * Math.max(own, 1e-3));
  });
});
