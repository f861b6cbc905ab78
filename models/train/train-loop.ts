import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { DEFAULT_GRPO, GrpoTrainer, type GrpoConfig } from '../rl/grpo-trainer.js';
import type { TrainablePolicy } from '../rl/policy.js';
import { DEFAULT_PPO, PpoTrainer, type PpoConfig } from '../rl/ppo-trainer.js';
import { createValueNet } from '../rl/residual-net.js';
import type { StepMetrics } from '../rl/step-metrics.js';
import { mulberry32 } from '../util/seeded-random.js';

/** A task the trainers can learn from: states, an outcome reward, and a held-out evaluation. */
export interface TrainEnvironment<S, A> {
  /** Training states (sampled with replacement into batches). */
  states: readonly S[];
  reward(state: S, action: A): number | Promise<number>;
  /** Greedy evaluation on held-out states; the first key is the headline score. */
  evaluate(policy: TrainablePolicy<S, A>): Promise<Record<string, number>> | Record<string, number>;
  /** The critic's input (PPO). */
  stateFeatures(state: S): Float32Array;
}

export type Algorithm = 'grpo' | 'ppo';

export interface TrainOptions {
  algo: Algorithm;
  steps: number;
  /** States per step (GRPO samples `groupSize` actions for each). */
  batchSize: number;
  seed: number;
  evalEvery: number;
  grpo?: Partial<GrpoConfig>;
  ppo?: Partial<PpoConfig>;
  /** One JSON line per step is appended here. */
  metricsFile?: string;
  onStep?: (record: StepRecord) => void;
}

export interface StepRecord extends StepMetrics {
  step: number;
  algo: Algorithm;
  elapsed_ms: number;
  /** Held-out greedy scores, on evaluation steps (step 0 is the untrained policy). */
  eval?: Record<string, number>;
}

export interface TrainResult {
  history: StepRecord[];
  /** The PPO critic, to checkpoint beside the policy. */
  critic?: tf.Sequential;
}

/**
 * Trains `policy` in place with GRPO or PPO, evaluating greedily on held-out
 * states every `evalEvery` steps (and before the first), and writing metrics
 * as JSON lines. Seeded: the same options give the same run.
 */
export async function train<S, A>(env: TrainEnvironment<S, A>, policy: TrainablePolicy<S, A>, options: TrainOptions): Promise<TrainResult> {
  const random = mulberry32(options.seed);
  let critic: tf.Sequential | undefined;
  let step: (batch: readonly S[]) => Promise<StepMetrics>;
  if (options.algo === 'grpo') {
    const trainer = new GrpoTrainer(policy, { ...DEFAULT_GRPO, ...options.grpo }, random);
    step = (batch) => trainer.step(batch, (s, a) => env.reward(s, a));
  } else {
    critic = createValueNet(env.stateFeatures(env.states[0]!).length, 32, options.seed + 7);
    const trainer = new PpoTrainer(policy, critic, (s) => env.stateFeatures(s), { ...DEFAULT_PPO, ...options.ppo }, random);
    step = (batch) => trainer.step(batch, (s, a) => env.reward(s, a));
  }
  if (options.metricsFile) await mkdir(dirname(options.metricsFile), { recursive: true });
  const history: StepRecord[] = [];
  const started = performance.now();
  const initial = await env.evaluate(policy);
  for (let i = 1; i <= options.steps; i++) {
    const batch = Array.from({ length: options.batchSize }, () => env.states[Math.floor(random() * env.states.length)]!);
    const metrics = await step(batch);
    const evaluation = i % options.evalEvery === 0 || i === options.steps ? await env.evaluate(policy) : undefined;
    const record: StepRecord = { step: i, algo: options.algo, ...metrics, elapsed_ms: Math.round(performance.now() - started), ...(evaluation ? { eval: evaluation } : {}) };
    if (i === 1) record.eval = { ...record.eval, ...Object.fromEntries(Object.entries(initial).map(([k, v]) => [`initial_${k}`, v])) };
    history.push(record);
    options.onStep?.(record);
    if (options.metricsFile) await appendFile(options.metricsFile, `${JSON.stringify(record)}\n`);
  }
  return critic ? { history, critic } : { history };
}
