import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { EpisodeLog } from '../memory/episode-log.js';
import type { FeedbackRecord } from '../memory/feedback-log.js';
import { answerSample, managerSample } from './feedback-rewards.js';
import type { AnswerSample, ManagerSample } from './samples.js';

/** Fewer labelled samples than this to learn from, or none held out, and an agent's update is skipped. */
export const MIN_TRAIN = 4;
export const MIN_HELD_OUT = 1;

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
  return createHash('sha256').update(id).digest().readUInt32BE(0) % 5 === 0;
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

/** The answer agent's episodes whose reply the user rated or corrected, as samples. */
export async function answerSamples(episodes: EpisodeLog, signals: ReadonlyMap<string, FeedbackRecord>): Promise<AnswerSample[]> {
  return collect(await episodes.all('answer'), (episode) => {
    const signal = signals.get(episode.target_id);
    return episode.agent === 'answer' && signal?.kind.startsWith('answer_') ? answerSample(episode, signal) : undefined;
  });
}

/** Splits samples into train and held-out; too few of either is a reason to skip, in words for the Learning screen. */
export function splitSamples<S extends { id: string }>(samples: readonly S[], advice: string): Prepared<S> {
  const heldOut = samples.filter((s) => isHeldOut(s.id));
  const train = samples.filter((s) => !isHeldOut(s.id));
  if (train.length >= MIN_TRAIN && heldOut.length >= MIN_HELD_OUT) return { ok: true, data: { train, heldOut } };
  return {
    ok: false,
    reason:
      `too little feedback: ${samples.length} labelled episode(s), ${train.length} to learn from and ${heldOut.length} held out to judge the result; ` +
      `an update needs at least ${MIN_TRAIN} and ${MIN_HELD_OUT}. ${advice}`,
  };
}
