/**
 * The shapes of the background RL updater's API (DESIGN §5, §8: `training.*`
 * and the answer feedback of `chat.feedback`). Browser-safe like
 * `schemas.ts`: zod and plain constants only.
 */
import { z } from 'zod';
import { PolicyProvenance } from '../rl/provenance.js';
import { StreamError } from './schemas.js';

export const LEARNING_ALGOS = ['grpo', 'ppo'] as const;
export const LEARNING_AGENTS = ['manager', 'answer'] as const;
export type LearningAgent = (typeof LEARNING_AGENTS)[number];

const agent = z.enum(LEARNING_AGENTS);
const scores = z.record(z.string(), z.number());

/** The user's learning choices, stored in the profile's settings. Learning is off until the user opts in. */
export const LearningSettings = z.object({
  enabled: z.boolean(),
  algo: z.enum(LEARNING_ALGOS),
  /** Minutes between scheduled runs; 0: only when the user asks ("train now"). */
  schedule_minutes: z.number().int().min(0).max(10_080),
  /** New feedback signals a scheduled run waits for. */
  min_new_feedback: z.number().int().min(1).max(10_000),
  /** Policy versions kept per agent; older ones are pruned after a promotion. */
  keep_versions: z.number().int().min(2).max(50),
});
export type LearningSettings = z.infer<typeof LearningSettings>;

/** What one agent's update ended with. `kept_current`: the candidate scored worse and was not promoted. */
export const AgentRunResult = z.object({
  agent,
  outcome: z.enum(['promoted', 'kept_current', 'skipped', 'failed']),
  /** Why, in words the Learning screen shows (e.g. "held-out reward 0.42 < current 0.50"). */
  reason: z.string(),
  candidate_version: z.string().nullable(),
  /** The version in use after the run (`prior`: no trained version). */
  current_version: z.string(),
  /** The policy in use's and the candidate's held-out value; with LoCoMo, the base version's validation scores (`anchor`). */
  scores: z.object({ current: scores, candidate: scores, anchor: scores.optional() }),
});
export type AgentRunResult = z.infer<typeof AgentRunResult>;

export const TrainingRun = z.object({
  run_id: z.string(),
  algo: z.enum(LEARNING_ALGOS),
  trigger: z.enum(['manual', 'schedule']),
  state: z.enum(['running', 'finished', 'failed', 'interrupted', 'stopped']),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  /** Training steps done and planned, over every agent of the run. */
  progress: z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
  results: z.array(AgentRunResult),
  /** Why a run failed or was interrupted. */
  message: z.string().nullable(),
});
export type TrainingRun = z.infer<typeof TrainingRun>;

const count = z.number().int().nonnegative();
const Readiness = z.object({ reviews: count, held_out: count, needed: count, more_reviews: count });

export const TrainingStatus = z.object({
  settings: LearningSettings,
  running: TrainingRun.nullable(),
  last_run: TrainingRun.nullable(),
  /** When the schedule runs next (null: learning off, or no schedule). */
  next_run_at: z.string().nullable(),
  /** What the updater learns from, stored in this profile. */
  data: z.object({
    feedback: z.number().int().nonnegative(),
    /** Feedback recorded since the last finished run. */
    new_feedback: z.number().int().nonnegative(),
    episodes: z.object({ manager: z.number().int().nonnegative(), answer: z.number().int().nonnegative() }),
    /** How far each agent is from an update: its reviews, how many are held out to judge a candidate, how many that needs, and about how many more reviews that takes. */
    readiness: z.object({ manager: Readiness, answer: Readiness }),
  }),
  current_versions: z.object({ manager: z.string(), answer: z.string() }),
  /** Problems found (e.g. a corrupt checkpoint skipped), for the user to see. */
  warnings: z.array(z.string()),
});
export type TrainingStatus = z.infer<typeof TrainingStatus>;

/** One training step of one agent, as the curves draw it. */
export const TrainingPoint = z.object({
  agent,
  step: z.number().int().nonnegative(),
  reward_mean: z.number(),
  kl: z.number(),
});
export type TrainingPoint = z.infer<typeof TrainingPoint>;

/** `training.start`: started → (step | result)* → done, or an error. */
export const TrainingEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), run: TrainingRun }),
  z.object({ type: z.literal('step'), point: TrainingPoint, progress: TrainingRun.shape.progress }),
  z.object({ type: z.literal('result'), result: AgentRunResult }),
  z.object({ type: z.literal('done'), run: TrainingRun }),
  StreamError,
]);
export type TrainingEvent = z.infer<typeof TrainingEvent>;

/** A policy version of one agent, with its scores; `problem` says why a damaged one is skipped. */
export const PolicyVersionView = z.object({
  agent,
  version: z.string(),
  algo: z.string(),
  created_at: z.string(),
  step: z.number().int(),
  parent: z.string().nullable(),
  metrics: scores,
  current: z.boolean(),
  problem: z.string().nullable(),
  /** Where the version came from (data, recipe, prior, install); absent for versions saved before it was recorded. */
  provenance: PolicyProvenance.optional(),
});
export type PolicyVersionView = z.infer<typeof PolicyVersionView>;

export const ANSWER_FEEDBACK_KINDS = ['answer_up', 'answer_down', 'answer_corrected'] as const;

/** A signal about an assistant reply, as stored (value +1 up, -1 down or corrected). */
export const AnswerFeedbackView = z.object({
  id: z.string(),
  message_id: z.string(),
  kind: z.enum(ANSWER_FEEDBACK_KINDS),
  value: z.number(),
});
export type AnswerFeedbackView = z.infer<typeof AnswerFeedbackView>;
