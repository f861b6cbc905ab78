import type { MemoryFilter } from '../memory/memory-table.js';
import { withoutVector, type MemoryView } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';

/**
 * The cosine similarity below which a memory is not shown as matching a
 * search by meaning. Measured with the default encoder (USE lite) on a small
 * bank: nonsense ("asdfgh", "xqzv blorf") peaks at 0.22-0.23 and "the" at
 * 0.18, while "job" reaches its memory at 0.30, "pets" 0.39, "cat" 0.53. A
 * query whose words occur in a memory (BM25, stemmed: "live" finds "lives")
 * matches whatever its cosine.
 */
export const MEANING_FLOOR = 0.28;

/**
 * `memory.search`: hybrid search (meaning and words, fused by rank), keeping
 * only the memories that match by words or come close enough in meaning.
 * Rank fusion alone always returns k memories, so a query that matches
 * nothing listed every memory at "match 0.02".
 */
export async function searchMemories(store: MemoryStore, query: string, k: number, filter: MemoryFilter): Promise<Array<{ memory: MemoryView; score: number }>> {
  const [hybrid, byMeaning, byWords] = await Promise.all([
    store.search(query, { k, mode: 'hybrid', ...filter }),
    store.search(query, { k, mode: 'vector', ...filter }),
    store.search(query, { k, mode: 'text', ...filter }),
  ]);
  const cosine = new Map(byMeaning.map((hit) => [hit.memory.id, hit.score]));
  const worded = new Set(byWords.map((hit) => hit.memory.id));
  return hybrid
    .filter((hit) => worded.has(hit.memory.id) || (cosine.get(hit.memory.id) ?? 0) >= MEANING_FLOOR)
    .map(({ memory, score }) => ({ memory: withoutVector(memory), score }));
}
