import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { MemoryStore } from '../memory/store.js';
import type { TopicVectors } from './synthetic-vectors.js';

/** What a synthetic memory says and whom it is about, by its index. */
export interface SyntheticMemoryContent {
  text(i: number): string;
  subject(i: number): string;
}

/**
 * Loads `count` synthetic memories straight into the memory table in
 * batches, bypassing the journal (the benches measure reading, not writes),
 * then runs the store's maintenance: compaction, the full-text index and,
 * at its size, the vector index.
 */
export async function bulkLoadMemories(
  store: MemoryStore,
  count: number,
  vectors: TopicVectors,
  content: SyntheticMemoryContent,
  batch: number,
  onBatch?: (loaded: number) => void,
): Promise<void> {
  const now = new Date().toISOString();
  for (let done = 0; done < count; done += batch) {
    const rows = Array.from({ length: Math.min(batch, count - done) }, (_, j) => ({
      id: `m${done + j}`,
      text: content.text(done + j),
      vector: Array.from(vectors.next()),
      subject: content.subject(done + j),
      event_time: now,
      created_at: now,
      updated_at: now,
      sources: [],
      version: 1,
      scope: DEFAULT_SCOPE,
    }));
    await store.tables.memories.add(rows);
    onBatch?.(Math.min(count, done + batch));
  }
  await store.maintain();
}
