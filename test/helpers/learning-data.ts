import { writeSyntheticFeedback, type SyntheticAnswerCase, type SyntheticManagerCase } from '../../models/bench/synthetic-feedback.js';
import type { Embedder } from '../../models/embed/embedder.js';
import { isHeldOut } from '../../models/learning/dataset.js';
import { MemoryStore } from '../../models/memory/store.js';
import { profileLayout } from '../../models/util/profile-layout.js';

export type ManagerCase = SyntheticManagerCase;
export type AnswerCase = SyntheticAnswerCase;

/** `count` ids that the updater's split puts on the wanted side (held out or trained on). */
export function idsOn(side: 'train' | 'held-out', count: number, prefix: string): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) if (isHeldOut(`${prefix}-${i}`) === (side === 'held-out')) ids.push(`${prefix}-${i}`);
  return ids;
}

/**
 * Episodes and the user's feedback on them, written into a (new or closed)
 * profile as if the chat had recorded them with learning on: see
 * `writeSyntheticFeedback`. Answer cases default to corrections that only
 * the top candidate supports, where the prior keeps the top four.
 */
export async function seedLearningData(profileDir: string, embedder: Embedder, data: { manager?: ManagerCase[]; answer?: AnswerCase[] }): Promise<void> {
  const store = await MemoryStore.open({ uri: profileLayout(profileDir).memory, embedder });
  try {
    await writeSyntheticFeedback(store, data);
  } finally {
    await store.close();
  }
}
