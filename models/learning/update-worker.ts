/**
 * The updater's worker process (forked by `update-worker-client.ts` from the
 * built `dist/`; it receives one `UpdateJob` message, then `chat_busy`
 * notes): trains each agent's candidate from the policy in use with GRPO or
 * PPO on the samples it is sent, with the KL penalty toward the base
 * version; measures the gate's evidence (the candidate against the policy
 * in use on the held-out feedback, off-policy) and, when given LoCoMo, the
 * candidate's and the base version's validation scores; and posts every
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
import type { LearningAgent } from '../contract/learning-schemas.js';
import { ChatPacer } from './chat-pacer.js';
import type { AgentData } from './dataset.js';
import { feedbackEnvironment } from './feedback-environment.js';
import { categoricalLogProb, keepLogProb } from './log-probs.js';
import { gateEvidence, HELD_OUT_VALUE, offPolicyValue, type JudgedSample } from './off-policy-gate.js';
import { LocomoValidation } from './locomo-validation.js';
import { answerReward, managerReward, type KnownOutcome } from './samples.js';
import type { AppMessage, Scores, UpdateJob, WorkerMessage } from './update-job.js';

const post = (message: WorkerMessage) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

const pacer = new ChatPacer();

async function run(job: UpdateJob): Promise<void> {
  await ensureTfBackend();
  const locomo = job.locomo ? await openLocomo(job.locomo.path, job.locomo.embedder) : undefined;
  try {
    if (job.manager) {
      const [policy, base] = await Promise.all([job.manager.policy, job.manager.base.policy].map(async (files) => new CategoricalPolicy(await layersModelFromFiles(files))));
      await update(job, 'manager', { policy: policy!, base: base!, baseVersion: job.manager.base.version }, job.manager.data, managerReward, categoricalLogProb, locomo && ((p) => locomo.manager(p)));
    }
    if (job.answer) {
      const [policy, base] = await Promise.all([job.answer.policy, job.answer.base.policy].map(async (files) => new BernoulliPolicy(await layersModelFromFiles(files))));
      const bankManager = job.locomo && new CategoricalPolicy(await layersModelFromFiles(job.locomo.manager));
      const keep = (logits: ArrayLike<number>, index: number) => keepLogProb(logits[index]!);
      await update(job, 'answer', { policy: policy!, base: base!, baseVersion: job.answer.base.version }, job.answer.data, answerReward, keep, locomo && bankManager && ((p) => locomo.answer(p, bankManager)));
    }
  } finally {
    await locomo?.dispose();
  }
  await post({ type: 'finished' });
}

interface Policies<A> {
  /** The policy in use: the start, trained in place into the candidate. */
  policy: TrainablePolicy<RowState, A> & { net: tf.LayersModel };
  /** The base version: the KL reference and the LoCoMo anchor. */
  base: TrainablePolicy<RowState, A>;
  baseVersion: string;
}

type Judgeable = { state: RowState; stateFeatures: Float32Array; outcomes?: readonly KnownOutcome[]; selfCheck?: boolean };

async function update<X extends Judgeable, A>(
  job: UpdateJob,
  agent: LearningAgent,
  { policy, base, baseVersion }: Policies<A>,
  data: AgentData<X>,
  reward: (sample: X, action: A) => number,
  logProbOf: (logits: ArrayLike<number>, action: number) => number,
  locomo: ((policy: TrainablePolicy<RowState, A>) => Promise<Scores>) | undefined,
): Promise<void> {
  // The policy in use's side of the gate, read once before training moves it.
  const inUse = judgedLogProbs(data.heldOut, policy, logProbOf);
  const judge = (candidate: TrainablePolicy<RowState, A>): JudgedSample[] => {
    const next = judgedLogProbs(data.heldOut, candidate, logProbOf);
    return data.heldOut.map((sample, i) => ({ outcomes: sample.outcomes ?? [], current: inUse[i]!, candidate: next[i]!, ...(sample.selfCheck ? { selfCheck: true } : {}) }));
  };
  const score = (candidate: TrainablePolicy<RowState, A>) => ({ [HELD_OUT_VALUE]: offPolicyValue(judge(candidate), 'candidate') });
  const env = feedbackEnvironment(data, reward, score, () => pacer.afterStep());
  const onStep = (record: StepRecord) => void post({ type: 'step', agent, step: record.step, reward_mean: record.reward_mean, kl: record.kl });
  const result = await train(env, policy, { ...recipeOptions(job.recipe, { algo: job.algo, seed: job.seed, onStep }), reference: base });
  result.critic?.dispose();
  const gate = gateEvidence(judge(policy), job.seed);
  const scores = locomo && { base: baseVersion, anchor: await locomo(base), candidate: await locomo(policy) };
  await post({ type: 'candidate', agent, policy: await layersModelToFiles(policy.net), steps: result.history.length, gate, ...(scores ? { locomo: scores } : {}) });
}

/** Each held-out sample's judged actions' log-probabilities under `policy` (at T = 1), as the gate reads them. */
function judgedLogProbs<A>(heldOut: readonly Judgeable[], policy: TrainablePolicy<RowState, A>, logProbOf: (logits: ArrayLike<number>, action: number) => number): number[][] {
  return heldOut.map((sample) => {
    const logits = policy.stateLogits(sample.state);
    return (sample.outcomes ?? []).map((o) => logProbOf(logits, o.action));
  });
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
