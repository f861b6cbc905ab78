/**
 * The updater's worker process (forked by `update-worker-client.ts` from the
 * built `dist/`; it receives one `UpdateJob` message, then `chat_busy`
 * notes): trains each agent's candidate from the policy in use with GRPO or
 * PPO on the samples it is sent, scores the candidate and the current policy
 * on the held-out samples (and LoCoMo validation when given), and posts every
 * step and each candidate back, then exits. All the tensor work of an update
 * happens here, never in the process that serves the chat.
 */
import type * as tf from '@tensorflow/tfjs';
import { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import { CategoricalPolicy } from '../rl/categorical-policy.js';
import type { RowState } from '../rl/pad-batch.js';
import type { TrainablePolicy } from '../rl/policy.js';
import { layersModelFromFiles, layersModelToFiles } from '../rl/tfjs-files.js';
import { recipeOptions, train, type StepRecord } from '../train/train-loop.js';
import { ensureTfBackend } from '../util/tf-backend.js';
import type { LearningAgent } from '../api/learning-schemas.js';
import { ChatPacer } from './chat-pacer.js';
import type { AgentData } from './dataset.js';
import { feedbackEnvironment } from './feedback-environment.js';
import { LocomoValidation } from './locomo-validation.js';
import { answerReward, managerReward } from './samples.js';
import type { AppMessage, Scores, UpdateJob, WorkerMessage } from './update-job.js';

const post = (message: WorkerMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

const pacer = new ChatPacer();

async function run(job: UpdateJob): Promise<void> {
  await ensureTfBackend();
  const locomo = job.locomo ? await openLocomo(job.locomo.path, job.locomo.embedder) : undefined;
  try {
    if (job.manager) {
      const policy = new CategoricalPolicy(await layersModelFromFiles(job.manager.policy));
      await update(job, 'manager', policy, job.manager.data, managerReward, locomo && ((p) => locomo.manager(p)));
    }
    if (job.answer) {
      const policy = new BernoulliPolicy(await layersModelFromFiles(job.answer.policy));
      const bankManager = job.locomo && new CategoricalPolicy(await layersModelFromFiles(job.locomo.manager));
      await update(job, 'answer', policy, job.answer.data, answerReward, locomo && bankManager && ((p) => locomo.answer(p, bankManager)));
    }
  } finally {
    await locomo?.dispose();
  }
  await post({ type: 'finished' });
}

async function update<X extends { state: RowState; stateFeatures: Float32Array }, A>(
  job: UpdateJob,
  agent: LearningAgent,
  policy: TrainablePolicy<RowState, A> & { net: tf.LayersModel },
  data: AgentData<X>,
  reward: (sample: X, action: A) => number,
  alsoEvaluate: ((policy: TrainablePolicy<RowState, A>) => Promise<Scores>) | undefined,
): Promise<void> {
  const env = feedbackEnvironment(data, reward, alsoEvaluate, () => pacer.afterStep());
  const onStep = (record: StepRecord) => void post({ type: 'step', agent, step: record.step, reward_mean: record.reward_mean, kl: record.kl });
  const result = await train(env, policy, recipeOptions(job.recipe, { algo: job.algo, seed: job.seed, onStep }));
  result.critic?.dispose();
  await post({ type: 'candidate', agent, policy: await layersModelToFiles(policy.net), steps: result.history.length, scores: evaluations(result.history) });
}

/** The train loop evaluates before the first step (logged as `initial_*` with step 1) and after the last. */
function evaluations(history: readonly StepRecord[]): { current: Scores; candidate: Scores } {
  const initial = Object.entries(history[0]?.eval ?? {}).filter(([key]) => key.startsWith('initial_'));
  const final = Object.entries(history.at(-1)?.eval ?? {}).filter(([key]) => !key.startsWith('initial_'));
  return { current: Object.fromEntries(initial.map(([key, value]) => [key.slice('initial_'.length), value])), candidate: Object.fromEntries(final) };
}

async function openLocomo(path: string, embedder: string): Promise<LocomoValidation> {
  try {
    return await LocomoValidation.open(path, embedder);
  } catch (error) {
    throw new Error(`the LoCoMo validation data could not be used (${(error as Error).message}); fix the path given with --locomo-data (or MEMR1_LOCOMO), or leave it out to gate on held-out feedback alone`);
  }
}

// One job per process; it exits when done (TF.js and LanceDB would keep an idle process alive),
// and at once when the app goes away (its IPC channel closes): nobody would read the result.
process.once('disconnect', () => process.exit(0));
process.once('message', (job: UpdateJob) => {
  process.on('message', (message: AppMessage) => message.type === 'chat_busy' && pacer.setBusy(message.busy));
  run(job)
    .catch((error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }))
    .finally(() => process.exit(0));
});
