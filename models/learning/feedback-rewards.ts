/**
 * The user's feedback as rewards (DESIGN §5): accepted +1, rejected −1,
 * edited 0 with the edit as a better action, answer thumbs ±1, a corrected
 * answer −1 plus the memories that support the correction.
 */
import { containment, contentWords, normalizedText } from '../agents/text-features.js';
import type { EpisodeRecord } from '../memory/episode-log.js';
import type { FeedbackRecord } from '../memory/feedback-log.js';
import { keepLogProb } from './log-probs.js';
import type { AnswerSample, KnownOutcome, ManagerSample, RewardTerm } from './samples.js';

export type ManagerEpisode = Extract<EpisodeRecord, { agent: 'manager' }>;
export type AnswerEpisode = Extract<EpisodeRecord, { agent: 'answer' }>;

const NOOP = 1;
/** A candidate supports a correction when they share more than this share of either one's content words. */
const SUPPORT = 0.5;

/**
 * The manager's reward per action index: the taken action earns the
 * feedback's value (+1 accepted, −1 rejected, 0 edited); an edit also names
 * a better action, which earns +1. Every other action earns 0, so GRPO's
 * group baseline and PPO's critic turn these into "more / less of the taken
 * action" and, for edits, "more of the better one".
 */
export function managerSample(episode: ManagerEpisode, signal: FeedbackRecord): ManagerSample {
  const taken = episode.action[0]!;
  const rewards = new Array<number>(episode.prior.length).fill(0);
  rewards[taken] = signal.value;
  if (signal.kind === 'op_edited') rewards[betterActionOfEdit(episode, signal)] = 1;
  const outcomes = [{ action: taken, reward: rewards[taken]!, behaviourLogProb: episode.log_prob }];
  return { id: episode.target_id, state: { features: episode.features, prior: episode.prior }, stateFeatures: episode.state_features, rewards, outcomes };
}

/**
 * The action an edit shows to be better. An edit that rewrote an UPDATE's
 * memory back to the text it had before says the memory should not have
 * changed: NOOP. Any other edit keeps the operation's kind and target and
 * only rewrites its text, which the policy does not choose, so the taken
 * action itself was the right one. (Only ADDs and UPDATEs can be edited.)
 */
export function betterActionOfEdit(episode: ManagerEpisode, signal: FeedbackRecord): number {
  const taken = episode.action[0]!;
  const related = episode.context.related;
  const updated = taken >= 2 && taken < 2 + related.length ? related[taken - 2] : undefined;
  const text = typeof signal.payload?.text === 'string' ? signal.payload.text : undefined;
  if (updated && text !== undefined && normalizedText(text) === normalizedText(updated.text)) return NOOP;
  return taken;
}

/**
 * The answer agent's reward of a keep mask: the thumb's value times the
 * mask's overlap (Jaccard) with the kept set the user rated, so the rated
 * choice is reinforced (up) or discouraged (down) and masks near it share in
 * that. A correction is a thumbs down plus F1 against the candidates whose
 * text supports the corrected answer (when any does): the better kept set.
 *
 * For the gate, with the logits of the policy that distilled
 * (`behaviourLogits`): each kept candidate's keeping earns the thumb's
 * value, and each candidate supporting a correction's keeping earns +1.
 */
export function answerSample(episode: AnswerEpisode, signal: FeedbackRecord, behaviourLogits?: ArrayLike<number>): AnswerSample {
  const candidates = episode.context.candidates;
  const kept = candidates.filter((_, i) => episode.action[i] === 1).map((c) => c.id);
  const terms: RewardTerm[] = [{ weight: signal.value, measure: 'jaccard', ids: kept }];
  const correction = typeof signal.payload?.correction === 'string' ? signal.payload.correction : undefined;
  if (signal.kind === 'answer_corrected' && correction !== undefined) {
    const better = supportingCandidates(correction, candidates).map((c) => c.id);
    if (better.length) terms.push({ weight: 1, measure: 'f1', ids: better });
  }
  const sample: AnswerSample = { id: episode.target_id, state: { features: episode.features, prior: episode.prior }, stateFeatures: episode.state_features, candidateIds: candidates.map((c) => c.id), terms };
  if (!behaviourLogits) return sample;
  const judged = new Map<number, number>();
  episode.action.forEach((kept, i) => kept === 1 && judged.set(i, signal.value));
  for (const id of terms[1]?.ids ?? []) judged.set(candidates.findIndex((c) => c.id === id), 1);
  return { ...sample, outcomes: keepOutcomes(judged, behaviourLogits) };
}

/** Judged keep decisions (candidate index → reward) with the behaviour policy's log-probability of keeping each. */
export function keepOutcomes(judged: ReadonlyMap<number, number>, behaviourLogits: ArrayLike<number>): KnownOutcome[] {
  return [...judged].map(([action, reward]) => ({ action, reward, behaviourLogProb: keepLogProb(behaviourLogits[action]!) }));
}

/** Candidates that share more than half of the correction's content words, or more than half of theirs with it. */
export function supportingCandidates<C extends { text: string }>(correction: string, candidates: readonly C[]): C[] {
  const said = contentWords(correction);
  return candidates.filter((candidate) => {
    const words = contentWords(candidate.text);
    return Math.max(containment(said, words), containment(words, said)) > SUPPORT;
  });
}
