import { AnswerAgent } from '../agents/answer-agent.js';
import type { LearningAgent } from '../api/learning-schemas.js';
import type { PolicySlot } from '../api/policy-slot.js';
import type { Embedder } from '../embed/embedder.js';
import type { EpisodeLog } from '../memory/episode-log.js';
import type { FeedbackLog } from '../memory/feedback-log.js';
import type { MemoryStore } from '../memory/store.js';
import type { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import type { CategoricalPolicy } from '../rl/categorical-policy.js';
import { layersModelToFiles } from '../rl/tfjs-files.js';
import type { Algorithm, TrainRecipe } from '../train/train-loop.js';
import { answerSamples, latestSignals, managerSamples, splitSamples } from './dataset.js';
import { selfCheckSamples } from './self-checks.js';
import type { UpdateJob } from './update-job.js';

export interface JobParts {
  store: MemoryStore;
  embedder: Embedder;
  feedback: FeedbackLog;
  episodes: EpisodeLog;
  policies: { manager: PolicySlot<CategoricalPolicy>; answer: PolicySlot<BernoulliPolicy> };
}

export interface JobChoices {
  algo: Algorithm;
  seed: number;
  recipe: TrainRecipe;
  /** LoCoMo validation: the data file and the profile's embedder spec. */
  locomo?: { path: string; embedder: string };
}

const ADVICE: Record<LearningAgent, string> = {
  manager: 'Accept, reject or edit more of the memory operations (Review) while learning is on.',
  answer: 'Rate or correct more replies (thumbs up / down) while learning is on.',
};

/**
 * The worker's job, built in the main process: each agent's samples (from
 * its episodes and the latest feedback on them; for the answer agent also
 * the self-checks) split into train and held-out, with the policy in use as
 * files. An agent with too little feedback is left out, with the reason in
 * `skipped`; `job` is undefined when no agent has enough.
 */
export async function prepareJob(parts: JobParts, agents: readonly LearningAgent[], choices: JobChoices): Promise<{ job?: UpdateJob; skipped: Array<{ agent: LearningAgent; reason: string }> }> {
  const { feedback, episodes, policies, store, embedder } = parts;
  const signals = latestSignals(await feedback.all());
  const job: UpdateJob = { algo: choices.algo, seed: choices.seed, recipe: choices.recipe };
  const skipped: Array<{ agent: LearningAgent; reason: string }> = [];
  const files = (agent: LearningAgent) => policies[agent].use(({ policy }) => layersModelToFiles(policy.net));
  if (agents.includes('manager')) {
    const prepared = splitSamples(await managerSamples(episodes, signals), ADVICE.manager);
    if (prepared.ok) job.manager = { policy: await files('manager'), data: prepared.data };
    else skipped.push({ agent: 'manager', reason: prepared.reason });
  }
  if (agents.includes('answer')) {
    const distil = (question: string) => policies.answer.use(({ policy }) => new AnswerAgent({ store, embedder, policy }).distil(question));
    const checks = await selfCheckSamples({ store, distil }, signals.values());
    const prepared = splitSamples([...(await answerSamples(episodes, signals)), ...checks], ADVICE.answer);
    if (prepared.ok) job.answer = { policy: await files('answer'), data: prepared.data };
    else skipped.push({ agent: 'answer', reason: prepared.reason });
  }
  if (!job.manager && !job.answer) return { skipped };
  if (choices.locomo) job.locomo = { ...choices.locomo, manager: await files('manager') };
  return { job, skipped };
}
