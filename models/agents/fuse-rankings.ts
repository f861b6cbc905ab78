/**
 * Hybrid retrieval's fusion (DESIGN §4.1), shared by the Answer Agent over the
 * store and the benchmark's in-memory banks: a vector list and a full-text
 * (BM25) list fused by reciprocal rank (Cormack et al. 2009; LanceDB's
 * RRFReranker does the same), keeping each candidate's signals for the
 * distillation policy.
 */

/** Reciprocal-rank fusion's constant (the usual 60, LanceDB's default). */
const RRF_K = 60;

/** A candidate with the signals its ranking came from. */
export interface FusedHit<T> {
  item: T;
  /** Cosine similarity to the question. */
  cosine: number;
  /** Its BM25 score (0 when outside the full-text list). */
  bm25: number;
  /** 0-based ranks in the vector and full-text lists; -1 when outside one. */
  vectorRank: number;
  textRank: number;
  /** Σ 1 / (60 + rank): what the fused list is ordered by. */
  fused: number;
}

/**
 * Fuses a vector list (best first, with cosines) and a full-text list (best
 * first, with BM25 scores) into one, best first, at most `limit` long.
 * `cosineOf` gives the cosine of a hit found by text alone.
 */
export function fuseRankings<T>(
  byVector: ReadonlyArray<{ item: T; cosine: number }>,
  byText: ReadonlyArray<{ item: T; bm25: number }>,
  key: (item: T) => string,
  cosineOf: (item: T) => number,
  limit: number,
): FusedHit<T>[] {
  const hits = new Map<string, FusedHit<T>>();
  byVector.forEach(({ item, cosine }, rank) => hits.set(key(item), { item, cosine, bm25: 0, vectorRank: rank, textRank: -1, fused: 1 / (RRF_K + rank + 1) }));
  byText.forEach(({ item, bm25 }, rank) => {
    const hit = hits.get(key(item)) ?? { item, cosine: cosineOf(item), bm25: 0, vectorRank: -1, textRank: -1, fused: 0 };
    hits.set(key(item), { ...hit, bm25, textRank: rank, fused: hit.fused + 1 / (RRF_K + rank + 1) });
  });
  return [...hits.values()].sort((a, b) => b.fused - a.fused || b.cosine - a.cosine).slice(0, limit);
}

/**
 * How many of `size` candidates each of two subjects gets: half each, as the
 * paper retrieves 30 per speaker, unless the question names exactly one of
 * them, who then gets three quarters (45 + 15). Chosen on conv-26 and conv-30
 * (evidence recall of the 60, averaged over the ADD-all and heuristic banks
 * of both): 0.743 against 0.730 for 30 + 30, 0.741 for the 60 best overall
 * and 0.740 for 60 per speaker cut to the 60 best fused.
 */
export function subjectQuotas(question: string, subjects: readonly [string, string], size: number): [number, number] {
  const named = subjects.map((subject) => new RegExp(`\\b${escapeRegExp(subject)}\\b`, 'i').test(question));
  const half = Math.floor(size / 2);
  if (named[0] === named[1]) return [half, size - half];
  const major = Math.round((size * 3) / 4);
  return named[0] ? [major, size - major] : [size - major, major];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Per-subject lists merged into one candidate list, best fused score first. */
export function mergeSubjectLists<T>(lists: ReadonlyArray<ReadonlyArray<FusedHit<T>>>): FusedHit<T>[] {
  return lists.flat().sort((a, b) => b.fused - a.fused || b.cosine - a.cosine);
}
