import { describe, expect, it } from 'vitest';
import { BernoulliPolicy, type BernoulliState, type KeepMask } from '../../models/rl/bernoulli-policy.js';
import { train, type TrainEnvironment } from '../../models/train/train-loop.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { mulberry32 } from '../../models/util/seeded-random.js';

const DIM = 3;

/** Keep row 0 of each state, drop the rest: a task any policy learns in a few steps. */
function keepFirstTask(): TrainEnvironment<BernoulliState, KeepMask> & { afterStepCalls: number } {
  const random = mulberry32(3);
  const states: BernoulliState[] = Array.from({ length: 16 }, () => ({
    features: Float32Array.from({ length: 4 * DIM }, (_, i) => (i % DIM === 0 ? (i === 0 ? 1 : 0) : random())),
    prior: new Float32Array(4),
  }));
  const env = {
    afterStepCalls: 0,
    states,
    stateFeatures: () => Float32Array.of(1),
    reward: (_state: BernoulliState, mask: KeepMask) => mask.reduce((sum, keep, i) => sum + (keep === (i === 0 ? 1 : 0) ? 1 : 0), 0) / mask.length,
    evaluate: (policy: { greedy(s: BernoulliState): KeepMask }) => ({ exact: states.filter((s) => policy.greedy(s).join() === '1,0,0,0').length / states.length }),
    afterStep: () => ({ after_step_calls: ++env.afterStepCalls }),
  };
  return env;
}

const parameters = (policy: BernoulliPolicy) => policy.variables().map((v) => Array.from(v.dataSync()));

describe('the training loop', () => {
  it('logs what afterStep returns with each step, and without `select` ends with the last parameters', async () => {
    await ensureTfBackend();
    const env = keepFirstTask();
    const policy = BernoulliPolicy.create(DIM, { seed: 1 });
    const before = parameters(policy);
    const result = await train(env, policy, { algo: 'grpo', steps: 5, batchSize: 8, seed: 1, evalEvery: 5, grpo: { learningRate: 0.05 } });
    expect(env.afterStepCalls).toBe(5);
    expect(result.history.map((r) => (r as unknown as { after_step_calls: number }).after_step_calls)).toEqual([1, 2, 3, 4, 5]);
    expect(result.best).toBeUndefined();
    expect(parameters(policy)).not.toEqual(before);
  });

  it('with `select`, ends with the parameters of the best-scoring evaluation (here the untrained ones)', async () => {
    await ensureTfBackend();
    const policy = BernoulliPolicy.create(DIM, { seed: 1 });
    const before = parameters(policy);
    // Scores the untrained evaluation highest: every later one is worse by construction.
    let evaluations = 0;
    const result = await train(keepFirstTask(), policy, { algo: 'grpo', steps: 6, batchSize: 8, seed: 1, evalEvery: 2, grpo: { learningRate: 0.05 }, select: () => -evaluations++ });
    expect(evaluations).toBe(4); // step 0, 2, 4, 6
    expect(result.best?.step).toBe(0);
    expect(parameters(policy)).toEqual(before);
  });
});
