/**
 * Token F1 as in Mem0's LoCoMo evaluation code (`evaluation/metrics/utils.py`,
 * `simple_tokenize` and `calculate_metrics`, borrowed from A-Mem), which
 * Memory-R1 reports as F1: lower-case, `.` `,` `!` `?` become spaces, split on
 * whitespace, then precision and recall over token *sets*, so a repeated token
 * counts once. An empty prediction or gold scores 0.
 */
import { f1FromCounts } from './f1.js';
import { splitWhitespace } from './python-text.js';

function tokenSet(text: string): Set<string> {
  return new Set(splitWhitespace(text.toLowerCase().replace(/[.,!?]/g, ' ')));
}

export function tokenF1(prediction: string, gold: string): number {
  const predicted = tokenSet(prediction);
  const reference = tokenSet(gold);
  let overlap = 0;
  for (const token of predicted) if (reference.has(token)) overlap += 1;
  return f1FromCounts(overlap, predicted.size, reference.size);
}
