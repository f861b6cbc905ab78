import { AnswerAgent } from '../agents/answer-agent.js';
import type { LearningAgent } from '../contract/learning-schemas.js';
import type { PolicySlot } from '../agents/policy-slot.js';
import type { Embedder } from '../embed/embedder.js';
import type { EpisodeLog } from '../memory/episode-log.js';
import type { FeedbackLog } from '../memory/feedback-log.js';
import type { MemoryStore } from '../memory/store.js';
import type { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import type { CategoricalPolicy } from '../rl/categorical-policy.js';
import { layersModelToFiles, type LayersModelFiles } from '../rl/tfjs-files.js';
import { policyFolder } from '../agents/policy-loader.js';
import type { Algorithm, TrainRecipe } from '../train/train-loop.js';
import { answerSamples, latestSignals, managerSamples, splitSamples } from './dataset.js';
import { ActingAnswerPolicies, baseVersion, priorOnlyNet } from './policy-lineage.js';
import { selfCheckSamples } from './self-checks.js';
import type { UpdateJob } from './update-job.js';

export interface JobParts {
  /** `<profile>/policies`: each agent's versions (the base version, the versions older episodes were made with). */
  policiesDir: string;
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
 * the self-checks, and the keep logits of the policy that distilled each
 * reply, for the gate) split into train and held-out, with the policy in use
 * and the base version as files. An agent with too little feedback is left out, with the reason in
 * `skipped`; `job` is undefined when no agent has enough.
 */
export async function prepareJob(parts: JobParts, agents: readonly LearningAgent[], choices: JobChoices): Promise<{ job?: UpdateJob; skipped: Array<{ agent: LearningAgent; reason: string }> }> {
  const { feedback, episodes, policies, store, embedder, policiesDir } = parts;
  const signals = latestSignals(await feedback.all());
  const job: UpdateJob = { algo: choices.algo, seed: choices.seed, recipe: choices.recipe };
  const skipped: Array<{ agent: LearningAgent; reason: string }> = [];
  const files = (agent: LearningAgent) => policies[agent].use(({ policy }) => layersModelToFiles(policy.net));
  if (agents.includes('manager')) {
    const prepared = splitSamples(await managerSamples(episodes, signals), ADVICE.manager);
    if (prepared.ok) job.manager = { policy: await files('manager'), base: await baseFiles(policiesDir, 'manager'), data: prepared.data };
    else skipped.push({ agent: 'manager', reason: prepared.reason });
  }
  if (agents.includes('answer')) {
    const samples = await policies.answer.use(async ({ policy, version }) => {
      const acting = new ActingAnswerPolicies(policyFolder(policiesDir, 'answer'), { version, policy });
      try {
        const distil = async (question: string, scope: string) => {
          const distilled = await new AnswerAgent({ store, embedder, policy, scope }).distil(question);
          return { distilled, logits: policy.stateLogits(distilled.state) };
        };
        const checks = await selfCheckSamples({ store, distil }, signals.values());
        return [...(await answerSamples(episodes, signals, (episode) => acting.logits(episode.policy_version, episode))), ...checks];
      } finally {
        acting.dispose();
      }
    });
    const prepared = splitSamples(samples, ADVICE.answer);
    if (prepared.ok) job.answer = { policy: await files('answer'), base: await baseFiles(policiesDir, 'answer'), data: prepared.data };
    else skipped.push({ agent: 'answer', reason: prepared.reason });
  }
  if (!job.manager && !job.answer) return { skipped };
  if (choices.locomo) job.locomo = { ...choices.locomo, manager: await files('manager') };
  return { job, skipped };
}

/** The agent's base version as files for the worker (the prior-only network when no base version is saved). */
async function baseFiles(policiesDir: string, agent: LearningAgent): Promise<{ version: string; policy: LayersModelFiles }> {
  const base = await baseVersion(policyFolder(policiesDir, agent));
  const net = base.net ?? priorOnlyNet(agent);
  try {
    return { version: base.version, policy: await layersModelToFiles(net) };
  } finally {
    net.dispose();
  }
}
