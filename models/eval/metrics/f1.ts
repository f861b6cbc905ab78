/**
 * The harmonic mean of precision and recall from overlap counts, shared by the
 * answer metrics (sets in Mem0's token F1, multisets in LoCoMo's F1) and the
 * evidence F1. Computed as `2 * p * r / (p + r)` in that order, as both
 * reference implementations do, so the floats match theirs bit for bit.
 */
export function f1FromCounts(overlap: number, predicted: number, gold: number): number {
  // Also covers an empty side: with nothing predicted or nothing to find, nothing overlaps.
  if (overlap === 0) return 0;
  const precision = overlap / predicted;
  const recall = overlap / gold;
  return (2 * precision * recall) / (precision + recall);
}
