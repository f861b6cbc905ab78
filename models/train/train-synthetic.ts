import type * as tf from '@tensorflow/tfjs';
import type { Embedder } from '../embed/embedder.js';
import { ANSWER_FEATURE_DIM } from '../agents/answer-state.js';
import { MANAGER_FEATURE_DIM } from '../agents/manager-state.js';
import type { AgentName } from '../agents/policy-loader.js';
import { DEFAULT_PRIORS } from '../agents/policy-provenance.js';
import { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import { ensureTfBackend } from '../util/tf-backend.js';
import { CategoricalPolicy } from '../rl/categorical-policy.js';
import { CheckpointStore, type CheckpointMeta } from '../rl/checkpoints.js';
import { distillEnvironment } from './distill-environment.js';
import { heuristicRates, managerEnvironment } from './manager-environment.js';
import { buildSyntheticDistillTask } from './synthetic-distill-task.js';
import { buildSyntheticManagerTask } from './synthetic-memory-task.js';
import { recipeOptions, train, type Algorithm, type StepRecord, type TrainRecipe } from './train-loop.js';

/** Settings that reach ≥ 95% optimal on held-out data (see the README's training section). */
const RECIPES: Record<AgentName, Record<Algorithm, TrainRecipe>> = {
  manager: {
    grpo: { steps: 60, batchSize: 64, evalEvery: 10, grpo: { learningRate: 0.01 } },
    // With the exact KL term, 0.01 ends at 0.949 on seed 7; 0.005 ends at 0.99 on seeds 1, 2 and 7.
    ppo: { steps: 100, batchSize: 64, evalEvery: 10, ppo: { learningRate: 0.005 } },
  },
  answer: {
    grpo: { steps: 200, batchSize: 32, evalEvery: 10, grpo: { learningRate: 0.02 } },
    ppo: { steps: 200, batchSize: 128, evalEvery: 10, ppo: { learningRate: 0.01 } },
  },
};

export interface SyntheticTrainingOptions {
  agent: AgentName;
  algo: Algorithm;
  seed: number;
  steps?: number;
  /** Checkpoints folder for the agent (e.g. `<profile>/policies/manager`); the result becomes its current version. */
  out: string;
  metricsFile?: string;
  onStep?: (record: StepRecord) => void;
}

export interface SyntheticTrainingResult {
  meta: CheckpointMeta;
  history: StepRecord[];
  /** Held-out greedy scores before and after training. */
  before: Record<string, number>;
  after: Record<string, number>;
}

/**
 * Trains an agent's policy on its synthetic task (known optimal actions) and
 * saves it as a new checkpoint. The task is built from the real embedder.
 */
export async function trainOnSyntheticTask(embedder: Embedder, options: SyntheticTrainingOptions): Promise<SyntheticTrainingResult> {
  await ensureTfBackend();
  const trainOptions = recipeOptions(RECIPES[options.agent][options.algo], options);
  let result: { history: StepRecord[]; critic?: tf.Sequential };
  let policyNet: tf.LayersModel;
  let before: Record<string, number>;
  if (options.agent === 'manager') {
    const task = await buildSyntheticManagerTask(embedder, { seed: options.seed, trainStreams: 40, testStreams: 15 });
    const policy = CategoricalPolicy.create(MANAGER_FEATURE_DIM, { seed: options.seed });
    before = heuristicRates(task.test);
    result = await train(managerEnvironment(task.train, task.test), policy, trainOptions);
    policyNet = policy.net;
  } else {
    const task = await buildSyntheticDistillTask(embedder, { seed: options.seed, worlds: 8 });
    const policy = BernoulliPolicy.create(ANSWER_FEATURE_DIM, { seed: options.seed });
    const env = distillEnvironment(task.train, task.test);
    before = await env.evaluate(policy);
    result = await train(env, policy, trainOptions);
    policyNet = policy.net;
  }
  const after = result.history.at(-1)?.eval ?? {};
  // Held-out people / worlds of the synthetic task: its validation figures.
  const heldOut = Object.fromEntries(Object.entries(after).filter(([key]) => !key.startsWith('initial_')));
  const meta = await new CheckpointStore(options.out).save(result.critic ? { policy: policyNet, critic: result.critic } : { policy: policyNet }, {
    agent: options.agent,
    algo: options.algo,
    step: trainOptions.steps,
    parent: null,
    feature_dim: options.agent === 'manager' ? MANAGER_FEATURE_DIM : ANSWER_FEATURE_DIM,
    metrics: heldOut,
    provenance: {
      source: 'synthetic',
      recipe: { ...RECIPES[options.agent][options.algo], steps: trainOptions.steps },
      algorithm: options.algo,
      seed: options.seed,
      trained_at: new Date().toISOString(),
      validation: heldOut,
      prior: DEFAULT_PRIORS[options.agent],
    },
  });
  return { meta, history: result.history, before, after };
}
