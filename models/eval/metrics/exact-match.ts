/**
 * Exact match after SQuAD's `normalize_answer` (lower-case, no punctuation, no
 * articles, single spaces): 1 or 0. Mem0's code compares only lower-cased,
 * stripped strings; the normalised form is the usual EM and is kinder to
 * "The park." against "park". An answer that normalises to nothing (empty, or
 * only punctuation and articles) scores 0, as empty inputs do in Mem0's code.
 */
import { squadNormalize } from './normalize-answer.js';

export function exactMatch(prediction: string, gold: string): number {
  const predicted = squadNormalize(prediction);
  return predicted !== '' && predicted === squadNormalize(gold) ? 1 : 0;
}
