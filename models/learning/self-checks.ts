import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AnswerResult } from '../agents/answer-agent.js';
import { distillStateFeatures } from '../agents/answer-state.js';
import type { FeedbackRecord } from '../memory/feedback-log.js';
import type { MemoryRecord } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import type { AnswerSample } from './samples.js';

/** Self-checks per run: each is a retrieval and a distillation in the main process. */
export const MAX_SELF_CHECKS = 50;

export interface SelfCheckParts {
  store: MemoryStore;
  /** The current Answer Agent's retrieval and distillation (greedy). */
  distil(question: string): Promise<AnswerResult>;
}

/**
 * Answer-agent samples the app makes itself: a memory the user accepted or
 * edited is a fact the user stands by, so its own text is a question that
 * memory should answer. The current Answer Agent retrieves and distils for
 * that question, and the reward is whether the kept set holds the memory
 * (its recall). Newest reviews first, at most `limit`, yielding to the event
 * loop between checks so the chat stays responsive. A memory that is gone,
 * or that retrieval does not offer, teaches nothing and is skipped.
 */
export async function selfCheckSamples(parts: SelfCheckParts, signals: Iterable<FeedbackRecord>, limit = MAX_SELF_CHECKS): Promise<AnswerSample[]> {
  const samples: AnswerSample[] = [];
  const seen = new Set<string>();
  const endorsed = [...signals].filter((s) => s.kind === 'op_accepted' || s.kind === 'op_edited').sort((a, b) => b.at.localeCompare(a.at));
  for (const signal of endorsed) {
    if (samples.length >= limit) break;
    const memory = await endorsedMemory(parts.store, signal.target_id);
    if (!memory || seen.has(memory.id)) continue;
    seen.add(memory.id);
    const distilled = await parts.distil(memory.text);
    if (distilled.candidates.some((c) => c.id === memory.id)) {
      samples.push({
        id: `self-check:${memory.id}`,
        state: distilled.state,
        stateFeatures: distillStateFeatures(distilled.scores),
        candidateIds: distilled.candidates.map((c) => c.id),
        terms: [{ weight: 1, measure: 'recall', ids: [memory.id] }],
      });
    }
    await yieldToEventLoop();
  }
  return samples;
}

/** The memory an accepted or edited operation produced, as it is now; undefined when it no longer exists. */
async function endorsedMemory(store: MemoryStore, opId: string): Promise<MemoryRecord | undefined> {
  const op = await store.operation(opId).catch(() => undefined);
  if (!op?.after) return undefined;
  return store.get(op.after.id).catch(() => undefined);
}
