import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRPO, GrpoTrainer, type RewardFn } from '../../models/rl/grpo-trainer.js';
import type { RowState } from '../../models/rl/pad-batch.js';
import { DEFAULT_PPO, PpoTrainer } from '../../models/rl/ppo-trainer.js';
import { createValueNet } from '../../models/rl/residual-net.js';
import { TopKPolicy, type TopKPicks } from '../../models/rl/top-k-policy.js';
import type { Rollout } from '../../models/rl/trainer-hooks.js';
import { mulberry32 } from '../../models/util/seeded-random.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { categoricalLogProb, randomizeWeights, rowStates } from './rl-fixtures.js';

beforeAll(async () => {
  await ensureTfBackend();
});

const DIM = 4;

/** log-probability of each draw of a Plackett–Luce sample, worked out in plain JS: softmax over the candidates not drawn yet. */
function drawLogProbs(logits: Float32Array, picks: TopKPicks, temperature: number): number[] {
  const left = Array.from(logits, (_, i) => i);
  return picks.map((pick) => {
    const available = left.map((i) => logits[i]!);
    const value = categoricalLogProb(available, left.indexOf(pick), temperature);
    left.splice(left.indexOf(pick), 1);
    return value;
  });
}

describe('TopKPolicy: K candidates drawn without replacement (Plackett–Luce)', () => {
  it('per draw, log π is the softmax over what is left at T; a state with fewer candidates than K has fewer draws', () => {
    const policy = TopKPolicy.create(DIM, 3, { seed: 3 });
    randomizeWeights(policy.net, 5);
    const states = rowStates(mulberry32(9), [6, 2], DIM);
    const actions: TopKPicks[] = [
      [4, 0, 5],
      [1, 0],
    ];
    for (const T of [0.5, 1]) {
      const { logp, mask } = policy.itemLogProbs(states, actions, T);
      expect(mask.arraySync()).toEqual([
        [1, 1, 1],
        [1, 1, 0],
      ]);
      const rows = logp.arraySync();
      states.forEach((state, b) => drawLogProbs(policy.stateLogits(state), actions[b]!, T).forEach((v, j) => expect(rows[b]![j]).toBeCloseTo(v, 5)));
      expect(rows[1]![2]).toBe(0); // no third draw from two candidates
      // The whole action's log-probability is the sum of its draws.
      expect(policy.logProb(states, actions, T).arraySync()[0]).toBeCloseTo(rows[0]!.reduce((a, b) => a + b, 0), 5);
      tf.dispose([logp, mask]);
    }
  });

  it('samples the Plackett–Luce distribution (Gumbel-top-k) and decodes greedily to the K highest logits', () => {
    const policy = TopKPolicy.create(DIM, 2, { seed: 3 });
    randomizeWeights(policy.net, 6);
    const [state] = rowStates(mulberry32(4), [4], DIM);
    const logits = policy.stateLogits(state!);
    const random = mulberry32(77);
    const firsts = new Array<number>(4).fill(0);
    const samples = policy.sampleGroup(state!, 20_000, random, 1);
    for (const picks of samples) {
      expect(new Set(picks).size).toBe(2);
      firsts[picks[0]!]!++;
    }
    firsts.forEach((count, i) => expect(count / samples.length).toBeCloseTo(Math.exp(categoricalLogProb(logits, i, 1)), 1));
    const order = Array.from(logits, (l, i) => ({ l, i })).sort((a, b) => b.l - a.l);
    expect(policy.greedy(state!)).toEqual([order[0]!.i, order[1]!.i]);
  });

  it('its exact KL is 0 against its own snapshot, and the snapshot does not move when the policy trains', async () => {
    const policy = TopKPolicy.create(DIM, 2, { seed: 3 });
    const reference = policy.snapshot();
    const states = rowStates(mulberry32(5), [5, 3], DIM);
    const terms = policy.itemTerms(states, [policy.greedy(states[0]!), policy.greedy(states[1]!)], reference.batchLogits(states).logits, 0.7);
    expect(Math.max(...terms.kl.dataSync())).toBeCloseTo(0, 6);
    const before = reference.net.getWeights().map((w) => Array.from(w.dataSync()));
    const trainer = new GrpoTrainer(policy, { ...DEFAULT_GRPO, learningRate: 0.1 }, mulberry32(6), { reference });
    for (let i = 0; i < 3; i++) await trainer.step(states, (_s, picks) => (picks.includes(0) ? 1 : 0));
    expect(reference.net.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    expect(policy.net.getWeights().map((w) => Array.from(w.dataSync()))).not.toEqual(before);
  });

  it('stores its own per-draw log-probs as the old ones at T, so the first update starts at ratio 1', async () => {
    const policy = TopKPolicy.create(DIM, 3, { seed: 3 });
    randomizeWeights(policy.net, 7);
    let rollout: Rollout<RowState, TopKPicks> | undefined;
    let expected: number[][] = [];
    const clipFractions: number[] = [];
    const trainer = new GrpoTrainer(policy, { ...DEFAULT_GRPO, groupSize: 4, temperature: 0.5 }, mulberry32(8), {
      hooks: {
        onRollout: (r) => {
          rollout = r;
          expected = r.states.map((s, i) => drawLogProbs(policy.stateLogits(s), r.actions[i]!, 0.5));
        },
        onUpdate: (u) => clipFractions.push(u.clipFraction),
      },
    });
    await trainer.step(rowStates(mulberry32(10), [5, 2, 4], DIM), (_s, picks) => picks[0]!);
    rollout!.oldLogProbs.forEach((row, b) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[b]![j]!, 5)));
    expect(clipFractions[0]).toBe(0);
  });

  describe('learns to pick the marked candidates only when the rewards tell picks apart', () => {
    /** 10 candidates, 2 of them marked by feature 0; the prior is flat. */
    function states(count: number): RowState[] {
      const random = mulberry32(40);
      return Array.from({ length: count }, () => {
        const marked = new Set([Math.floor(random() * 10), Math.floor(random() * 10)]);
        return { features: Float32Array.from({ length: 10 * DIM }, (_, i) => (i % DIM === 0 ? (marked.has(Math.floor(i / DIM)) ? 1 : -1) : random())), prior: new Float32Array(10) };
      });
    }
    const markedShare = (policy: TopKPolicy, list: readonly RowState[]) =>
      list.reduce((sum, s) => sum + policy.greedy(s).filter((i) => s.features[i * DIM]! > 0).length / Math.min(2, new Set(Array.from({ length: 10 }, (_, i) => i).filter((i) => s.features[i * DIM]! > 0)).size), 0) / list.length;
    const picksMarked: RewardFn<RowState, TopKPicks> = (s, picks) => picks.filter((i) => s.features[i * DIM]! > 0).length;
    const flat: RewardFn<RowState, TopKPicks> = () => 1;

    async function run(algo: 'grpo' | 'ppo', reward: RewardFn<RowState, TopKPicks>): Promise<number> {
      const train = states(32);
      const policy = TopKPolicy.create(DIM, 2, { hidden: 8, seed: 4 });
      const trainer =
        algo === 'grpo'
          ? new GrpoTrainer(policy, { ...DEFAULT_GRPO, learningRate: 0.05 }, mulberry32(41))
          : new PpoTrainer(policy, createValueNet(1, 8, 5), () => Float32Array.of(1), { ...DEFAULT_PPO, minibatchSize: 32, learningRate: 0.05 }, mulberry32(42));
      for (let step = 0; step < 25; step++) await trainer.step(algo === 'grpo' ? train.slice((step % 4) * 8, (step % 4) * 8 + 8) : train, reward);
      return markedShare(policy, states(64).slice(32));
    }

    it.each(['grpo', 'ppo'] as const)('%s', async (algo) => {
      expect(await run(algo, picksMarked)).toBeGreaterThan(0.9);
      expect(await run(algo, flat)).toBeLessThan(0.5);
    });
  });
});
