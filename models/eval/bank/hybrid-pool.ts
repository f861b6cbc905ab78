import { fuseRankings, mergeSubjectLists, subjectQuotas, type FusedHit } from '../../agents/fuse-rankings.js';
import { contentWords } from '../../agents/text-features.js';
import { dot } from '../../util/vector.js';
import type { SimMemory } from './sim-bank.js';

export interface PoolQuestion {
  text: string;
  /** Unit-length embedding. */
  vector: Float32Array;
}

/** BM25's term-frequency saturation and length normalisation (the usual defaults). */
const BM25_K1 = 1.2;
const BM25_B = 0.75;

const termsCache = new Map<string, string[]>();

/** Stemmed content words of a text, as BM25 indexes it (cached: banks share most texts). */
function terms(text: string): string[] {
  let out = termsCache.get(text);
  if (!out) {
    out = [...contentWords(text)];
    if (termsCache.size > 200_000) termsCache.clear();
    termsCache.set(text, out);
  }
  return out;
}

/** BM25 of every memory for the question's words, with the collection statistics of `memories`. */
export function bm25Scores(memories: readonly SimMemory[], question: string): number[] {
  const wanted = new Set(terms(question));
  if (!memories.length || !wanted.size) return memories.map(() => 0);
  const docs = memories.map((m) => terms(m.text));
  const averageLength = docs.reduce((sum, d) => sum + d.length, 0) / docs.length || 1;
  const df = new Map<string, number>();
  for (const doc of docs) for (const term of new Set(doc)) if (wanted.has(term)) df.set(term, (df.get(term) ?? 0) + 1);
  return docs.map((doc) => {
    let score = 0;
    for (const term of wanted) {
      const n = df.get(term);
      if (!n) continue;
      let tf = 0;
      for (const t of doc) if (t === term) tf++;
      if (!tf) continue;
      const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
      score += (idf * tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * doc.length) / averageLength));
    }
    return score;
  });
}

/**
 * Hybrid search over an in-memory bank, as the Answer Agent runs it over the
 * store: the top `limit` by cosine and by BM25, fused by reciprocal rank.
 */
export function hybridSearch(memories: readonly SimMemory[], question: PoolQuestion, limit: number): FusedHit<SimMemory>[] {
  const cosines = memories.map((m) => dot(question.vector, m.vector));
  const bm25 = bm25Scores(memories, question.text);
  const order = memories.map((_, i) => i);
  const byVector = [...order].sort((a, b) => cosines[b]! - cosines[a]!).slice(0, limit);
  const byText = order.filter((i) => bm25[i]! > 0).sort((a, b) => bm25[b]! - bm25[a]!).slice(0, limit);
  return fuseRankings(
    byVector.map((i) => ({ item: memories[i]!, cosine: cosines[i]! })),
    byText.map((i) => ({ item: memories[i]!, bm25: bm25[i]! })),
    (m) => m.id,
    (m) => dot(question.vector, m.vector),
    limit,
  );
}

/** The Answer Agent's candidate pool over an in-memory bank: `size` in all, split between two subjects by `subjectQuotas`. */
export function candidatePool(memories: readonly SimMemory[], question: PoolQuestion, subjects: readonly string[] | undefined, size = 60): FusedHit<SimMemory>[] {
  if (subjects?.length !== 2) return hybridSearch(memories, question, size);
  const pair: [string, string] = [subjects[0]!, subjects[1]!];
  const quotas = subjectQuotas(question.text, pair, size);
  return mergeSubjectLists(pair.map((subject, i) => hybridSearch(memories.filter((m) => m.subject === subject), question, quotas[i]!)));
}
