import { fuseRankings } from '../agents/fuse-rankings.js';
import type { Embedder } from '../embed/embedder.js';
import type { MemoryFilter } from '../memory/memory-table.js';
import { withoutVector, type MemoryView } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import { dot } from '../util/vector.js';

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
 * `memory.search`: hybrid search (meaning and words, fused by reciprocal
 * rank as the Answer Agent fuses them), keeping only the memories that match
 * by words or come close enough in meaning. Rank fusion alone always returns
 * k memories, so a query that matches nothing listed every memory at "match
 * 0.02". The question is embedded once, and the search by meaning runs on
 * the store's in-memory mirror: many clients searching at once queue behind
 * neither the model nor a table scan.
 */
export async function searchMemories(store: MemoryStore, embedder: Embedder, query: string, k: number, filter: MemoryFilter): Promise<Array<{ memory: MemoryView; score: number }>> {
  const [vector] = await embedder.embed([query]);
  const [byMeaning, byWords] = await Promise.all([store.search(vector!, { k, mode: 'vector', ...filter }), store.search(query, { k, mode: 'text', ...filter })]);
  const fused = fuseRankings(
    byMeaning.map(({ memory, score }) => ({ item: memory, cosine: score })),
    byWords.map(({ memory, score }) => ({ item: memory, bm25: score })),
    (memory) => memory.id,
    (memory) => dot(vector!, memory.vector),
    k,
  );
  return fused.filter((hit) => hit.textRank >= 0 || hit.cosine >= MEANING_FLOOR).map((hit) => ({ memory: withoutVector(hit.item), score: hit.fused }));
}
