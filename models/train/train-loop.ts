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
  /** Runs after each update (e.g. a Lagrange multiplier's step); what it returns is logged with the step. */
  afterStep?(policy: TrainablePolicy<S, A>): Record<string, number> | Promise<Record<string, number>>;
}

export type Algorithm = 'grpo' | 'ppo';

export interface TrainOptions<S = unknown, A = unknown> {
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
  /**
   * Model selection on the evaluation: the policy ends with the parameters of
   * the evaluation that scored highest here (the untrained policy included),
   * instead of the last step's.
   */
  select?: (evaluation: Record<string, number>) => number;
  /** The KL penalty's reference (default: the policy as it starts). The on-device updater anchors every run to the installed base version. */
  reference?: TrainablePolicy<S, A>;
}

/** An agent's tested settings (steps, batch size, learning rate…) for one algorithm. */
export type TrainRecipe = Pick<TrainOptions, 'steps' | 'batchSize' | 'evalEvery' | 'grpo' | 'ppo'>;

/** A run's options: the recipe, with the caller's algorithm, seed and (when given) steps, metrics file and step callback. */
export function recipeOptions(recipe: TrainRecipe, run: Pick<TrainOptions, 'algo' | 'seed' | 'metricsFile' | 'onStep'> & { steps?: number }): TrainOptions {
  return {
    ...recipe,
    algo: run.algo,
    seed: run.seed,
    steps: run.steps ?? recipe.steps,
    ...(run.metricsFile ? { metricsFile: run.metricsFile } : {}),
    ...(run.onStep ? { onStep: run.onStep } : {}),
  };
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
  /** With `select`: the step whose parameters the policy ends with (0: the untrained policy) and its evaluation. */
  best?: { step: number; eval: Record<string, number> };
}

/**
 * Trains `policy` in place with GRPO or PPO, evaluating greedily on held-out
 * states every `evalEvery` steps (and before the first), and writing metrics
 * as JSON lines. Seeded: the same options give the same run.
 */
export async function train<S, A>(env: TrainEnvironment<S, A>, policy: TrainablePolicy<S, A>, options: TrainOptions<S, A>): Promise<TrainResult> {
  const random = mulberry32(options.seed);
  let critic: tf.Sequential | undefined;
  let step: (batch: readonly S[]) => Promise<StepMetrics>;
  if (options.algo === 'grpo') {
    const trainer = new GrpoTrainer(policy, { ...DEFAULT_GRPO, ...options.grpo }, random, options.reference ? { reference: options.reference } : {});
    step = (batch) => trainer.step(batch, (s, a) => env.reward(s, a));
  } else {
    critic = createValueNet(env.stateFeatures(env.states[0]!).length, 32, options.seed + 7);
    const trainer = new PpoTrainer(policy, critic, (s) => env.stateFeatures(s), { ...DEFAULT_PPO, ...options.ppo }, random, {}, options.reference);
    step = (batch) => trainer.step(batch, (s, a) => env.reward(s, a));
  }
  if (options.metricsFile) await mkdir(dirname(options.metricsFile), { recursive: true });
  const history: StepRecord[] = [];
  const started = performance.now();
  const initial = await env.evaluate(policy);
  const best = new BestParameters(policy, options.select, initial);
  for (let i = 1; i <= options.steps; i++) {
    const batch = Array.from({ length: options.batchSize }, () => env.states[Math.floor(random() * env.states.length)]!);
    const metrics = { ...(await step(batch)), ...(await env.afterStep?.(policy)) };
    const evaluation = i % options.evalEvery === 0 || i === options.steps ? await env.evaluate(policy) : undefined;
    if (evaluation) best.offer(i, evaluation);
    const record: StepRecord = { step: i, algo: options.algo, ...metrics, elapsed_ms: Math.round(performance.now() - started), ...(evaluation ? { eval: evaluation } : {}) };
    if (i === 1) record.eval = { ...record.eval, ...Object.fromEntries(Object.entries(initial).map(([k, v]) => [`initial_${k}`, v])) };
    history.push(record);
    options.onStep?.(record);
    if (options.metricsFile) await appendFile(options.metricsFile, `${JSON.stringify(record)}\n`);
  }
  const chosen = best.restore();
  return { history, ...(critic ? { critic } : {}), ...(chosen ? { best: chosen } : {}) };
}

/** Keeps a copy of the parameters that scored best under `select`, and puts them back at the end. */
class BestParameters<S, A> {
  private best: { step: number; eval: Record<string, number>; score: number; values: tf.Tensor[] } | undefined;

  constructor(
    private readonly policy: TrainablePolicy<S, A>,
    private readonly select: ((evaluation: Record<string, number>) => number) | undefined,
    initial: Record<string, number>,
  ) {
    this.offer(0, initial);
  }

  offer(step: number, evaluation: Record<string, number>): void {
    if (!this.select) return;
    const score = this.select(evaluation);
    if (this.best && score <= this.best.score) return;
    this.best?.values.forEach((v) => v.dispose());
    this.best = { step, eval: evaluation, score, values: this.policy.variables().map((v) => v.clone()) };
  }

  restore(): { step: number; eval: Record<string, number> } | undefined {
    if (!this.best) return undefined;
    const variables = this.policy.variables();
    this.best.values.forEach((value, i) => variables[i]!.assign(value));
    this.best.values.forEach((v) => v.dispose());
    return { step: this.best.step, eval: this.best.eval };
  }
}
