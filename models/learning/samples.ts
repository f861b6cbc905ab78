/**
 * What the updater learns from, as plain data that crosses to the worker
 * process: each sample is a state the policy saw and a reward for any action
 * there, formed from the user's feedback in the main process
 * (`feedback-rewards.ts`) and computed in the worker (`managerReward`,
 * `answerReward`) each time the trainer samples an action.
 */
import { containment, jaccard } from '../agents/text-features.js';
import type { BernoulliState, KeepMask } from '../rl/bernoulli-policy.js';
import type { CategoricalState } from '../rl/categorical-policy.js';
import { setF1 } from '../train/distill-environment.js';

/**
 * What the user's feedback tells for sure about one action at a state: its
 * reward, and the log-probability that the policy which acted (the behaviour
 * policy) gave it. The promotion gate weighs these by how much more or less
 * likely a policy makes the action (importance sampling); actions nobody
 * judged are not scored at all.
 */
export interface KnownOutcome {
  /** The manager's action index, or the index of an answer candidate whose keeping was judged. */
  action: number;
  reward: number;
  behaviourLogProb: number;
}

/** A manager decision: the reward of every action index is known up front (the action spaces are small). */
export interface ManagerSample {
  /** The operation the feedback named; it also decides the sample's split. */
  id: string;
  state: CategoricalState;
  /** The PPO critic's input. */
  stateFeatures: Float32Array;
  /** The reward of each action index (training). */
  rewards: number[];
  /** The taken action's judged outcome (the gate). */
  outcomes: KnownOutcome[];
}

/** How a kept set is compared with a set of candidate ids. */
export type RewardMeasure = 'jaccard' | 'f1' | 'recall';

/** One term of an answer reward: `weight × measure(kept ids, ids)`. */
export interface RewardTerm {
  weight: number;
  measure: RewardMeasure;
  ids: string[];
}

/** An answer agent's distillation: 2^60 keep masks, so the reward is a sum of terms over the kept set. */
export interface AnswerSample {
  /** The reply the feedback named, or `self-check:<memory id>`. */
  id: string;
  state: BernoulliState;
  stateFeatures: Float32Array;
  /** The candidates' memory ids, in the state's row order. */
  candidateIds: string[];
  terms: RewardTerm[];
  /**
   * The judged keep decisions (the gate), under the keep/drop view of the
   * policy that distilled: p(keep i) = σ(logit_i). Absent when that policy's
   * version is gone (pruned): the sample then trains but judges nothing.
   */
  outcomes?: KnownOutcome[];
  /** A sample the app made itself (`self-check:`), not the user's feedback. */
  selfCheck?: boolean;
}

export function managerReward(sample: ManagerSample, action: number): number {
  return sample.rewards[action] ?? 0;
}

const MEASURES: Record<RewardMeasure, (kept: ReadonlySet<string>, ids: ReadonlySet<string>) => number> = {
  jaccard,
  f1: setF1,
  // The share of `ids` the kept set holds.
  recall: (kept, ids) => containment(ids, kept),
};

export function answerReward(sample: AnswerSample, mask: KeepMask): number {
  const kept = new Set(sample.candidateIds.filter((_, i) => mask[i] === 1));
  return sample.terms.reduce((sum, term) => sum + term.weight * MEASURES[term.measure](kept, new Set(term.ids)), 0);
}
