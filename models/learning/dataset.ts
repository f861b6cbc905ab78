import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EpisodeLog } from '../memory/episode-log.js';
import type { FeedbackRecord } from '../memory/feedback-log.js';
import { answerSample, managerSample, type AnswerEpisode } from './feedback-rewards.js';
import type { AnswerSample, ManagerSample } from './samples.js';

/** Fewer labelled samples than this to learn from, and an agent's update is skipped. */
export const MIN_TRAIN = 4;
/**
 * Fewer of the user's own held-out reviews than this, and an agent's update
 * is skipped: the gate compares two policies on them with a paired
 * bootstrap, and on fewer than 8 a single review swings the estimate by
 * more than an eighth of its range.
 */
export const MIN_HELD_OUT = 8;
/** Self-checks make at most this share of an agent's held-out samples: the app's own checks never outvote the user. */
export const MAX_SELF_CHECK_SHARE = 0.25;
/** One sample in `HOLD_OUT_EVERY` is held out. */
const HOLD_OUT_EVERY = 5;

/** An agent's samples, split into what it trains on and what judges the result. */
export interface AgentData<S> {
  train: S[];
  heldOut: S[];
}

export type Prepared<S> = { ok: true; data: AgentData<S> } | { ok: false; reason: string };

/**
 * About one sample in five is held out, decided by a hash of its id: the
 * same feedback lands on the same side in every run, so a candidate is never
 * judged on what it (or its parent) trained on.
 */
export function isHeldOut(id: string): boolean {
  return createHash('sha256').update(id).digest().readUInt32BE(0) % HOLD_OUT_EVERY === 0;
}

/** The newest signal per target: a later review replaces an earlier one (accepted, then edited…). */
export function latestSignals(feedback: readonly FeedbackRecord[]): Map<string, FeedbackRecord> {
  const latest = new Map<string, FeedbackRecord>();
  for (const signal of [...feedback].sort((a, b) => a.at.localeCompare(b.at))) latest.set(signal.target_id, signal);
  return latest;
}

/** Episodes turned into samples between yields to the event loop (reading corrections' support is word work). */
const SAMPLES_PER_TICK = 20;

/** `make` over `items`, a few at a time: this runs in the process that serves the chat. */
async function collect<T, S>(items: readonly T[], make: (item: T) => S | undefined): Promise<S[]> {
  const out: S[] = [];
  for (let at = 0; at < items.length; at += SAMPLES_PER_TICK) {
    if (at > 0) await yieldToEventLoop();
    for (const item of items.slice(at, at + SAMPLES_PER_TICK)) {
      const sample = make(item);
      if (sample) out.push(sample);
    }
  }
  return out;
}

/** The manager's episodes that the user reviewed, as samples. */
export async function managerSamples(episodes: EpisodeLog, signals: ReadonlyMap<string, FeedbackRecord>): Promise<ManagerSample[]> {
  return collect(await episodes.all('manager'), (episode) => {
    const signal = signals.get(episode.target_id);
    return episode.agent === 'manager' && signal?.kind.startsWith('op_') ? managerSample(episode, signal) : undefined;
  });
}

/**
 * The answer agent's episodes whose reply the user rated or corrected, as
 * samples; `behaviourLogits` gives the keep logits of the policy that
 * distilled each (undefined when that version is gone).
 */
export async function answerSamples(
  episodes: EpisodeLog,
  signals: ReadonlyMap<string, FeedbackRecord>,
  behaviourLogits: (episode: AnswerEpisode) => Promise<ArrayLike<number> | undefined>,
): Promise<AnswerSample[]> {
  const rated = (await episodes.all('answer')).flatMap((episode) => {
    const signal = signals.get(episode.target_id);
    return episode.agent === 'answer' && signal?.kind.startsWith('answer_') ? [{ episode, signal }] : [];
  });
  const logits = await Promise.all(rated.map(({ episode }) => behaviourLogits(episode)));
  return collect([...rated.keys()], (i) => answerSample(rated[i]!.episode, rated[i]!.signal, logits[i]));
}

/**
 * Splits samples into train and held-out, self-checks capped at
 * `MAX_SELF_CHECK_SHARE` of the held-out set; too few of either is a reason
 * to skip, in words for the Learning screen.
 */
export function splitSamples<S extends { id: string; selfCheck?: boolean }>(samples: readonly S[], advice: string): Prepared<S> {
  const train = samples.filter((s) => !isHeldOut(s.id));
  const reviews = samples.filter((s) => isHeldOut(s.id) && !s.selfCheck);
  const checks = samples.filter((s) => isHeldOut(s.id) && s.selfCheck).slice(0, Math.floor((reviews.length * MAX_SELF_CHECK_SHARE) / (1 - MAX_SELF_CHECK_SHARE)));
  if (train.length >= MIN_TRAIN && reviews.length >= MIN_HELD_OUT) return { ok: true, data: { train, heldOut: [...reviews, ...checks] } };
  return {
    ok: false,
    reason:
      `too little feedback: ${samples.length} labelled episode(s), ${train.length} to learn from and ${reviews.length} of your reviews held out to judge the result; ` +
      `an update needs at least ${MIN_TRAIN} and ${MIN_HELD_OUT}${moreReviews(reviews.length) ? ` (about ${moreReviews(reviews.length)} more reviews: one in ${HOLD_OUT_EVERY} is held out)` : ''}. ${advice}`,
  };
}

/** About how many more reviews bring the held-out reviews to `MIN_HELD_OUT` (one in `HOLD_OUT_EVERY` is held out). */
export function moreReviews(heldOut: number): number {
  return Math.max(0, MIN_HELD_OUT - heldOut) * HOLD_OUT_EVERY;
}

/** How far each agent's reviews are from an update, from the signals alone (cheap enough for every status call). */
export function readiness(signals: ReadonlyMap<string, FeedbackRecord>): Record<'manager' | 'answer', { reviews: number; held_out: number; needed: number; more_reviews: number }> {
  const of = (prefix: 'op_' | 'answer_') => {
    const ids = [...signals.values()].filter((s) => s.kind.startsWith(prefix)).map((s) => s.target_id);
    const heldOut = ids.filter(isHeldOut).length;
    return { reviews: ids.length, held_out: heldOut, needed: MIN_HELD_OUT, more_reviews: moreReviews(heldOut) };
  };
  return { manager: of('op_'), answer: of('answer_') };
}
