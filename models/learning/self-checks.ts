import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { AnswerResult } from '../agents/answer-agent.js';
import { distillStateFeatures } from '../agents/answer-state.js';
import type { FeedbackRecord } from '../memory/feedback-log.js';
import type { MemoryRecord } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import { keepOutcomes } from './feedback-rewards.js';
import type { AnswerSample } from './samples.js';

/** Self-checks per run: each is a retrieval and a distillation in the main process. */
export const MAX_SELF_CHECKS = 50;

export interface SelfCheckParts {
  store: MemoryStore;
  /** The current Answer Agent's retrieval and distillation (greedy) among `scope`'s memories, with its keep logits. */
  distil(question: string, scope: string): Promise<{ distilled: AnswerResult; logits: ArrayLike<number> }>;
}

/**
 * Answer-agent samples the app makes itself: a memory the user accepted or
 * edited is a fact the user stands by, so its own text is a question that
 * memory should answer. The current Answer Agent retrieves and distils for
 * that question, and the reward is the kept set's F1 against that memory:
 * recall with a precision term, so keeping everything (which always holds
 * it: a memory's own text retrieves it first) scores 2/61, not 1. For the
 * gate, keeping the memory earns +1 and keeping each other candidate the
 * chat kept −1/K. Newest reviews first, at most `limit`, yielding to the event
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
    // Among the memories of its own scope, as a chat there would retrieve them.
    const { distilled, logits } = await parts.distil(memory.text, memory.scope);
    const index = distilled.candidates.findIndex((c) => c.id === memory.id);
    if (index >= 0) {
      const kept = distilled.mask.filter((k) => k === 1).length;
      const judged = new Map<number, number>();
      distilled.mask.forEach((k, i) => k === 1 && judged.set(i, -1 / kept));
      judged.set(index, 1);
      samples.push({
        id: `self-check:${memory.id}`,
        state: distilled.state,
        stateFeatures: distillStateFeatures(distilled.scores),
        candidateIds: distilled.candidates.map((c) => c.id),
        terms: [{ weight: 1, measure: 'f1', ids: [memory.id] }],
        outcomes: keepOutcomes(judged, logits),
        selfCheck: true,
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
