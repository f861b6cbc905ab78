/**
 * BLEU-1 as Mem0's evaluation code computes it (`calculate_bleu_scores`):
 * `sentence_bleu([word_tokenize(gold.lower())], word_tokenize(prediction.lower()),
 * weights=(1, 0, 0, 0), smoothing_function=SmoothingFunction().method1)` with
 * NLTK (nltk/translate/bleu_score.py, `corpus_bleu`).
 *
 * With one reference this is BP * p1:
 * - p1, the modified unigram precision: each hypothesis token counts at most as
 *   often as it occurs in the reference, over the hypothesis length;
 * - BP, the brevity penalty: 1 if the hypothesis is longer than the reference
 *   (c > r), else exp(1 - r / c).
 * NLTK returns 0 before smoothing when no unigram matches (an empty hypothesis
 * included), so method1's epsilon (0.1 added to a zero match count) only ever
 * reaches the bigram-to-4-gram precisions, whose weight 0 removes them:
 * exp(1 * log p1 + 0 * log p2 + ...) = p1. Smoothing cannot change BLEU-1.
 * (NLTK's exp(log p1) can differ from p1 in the last bit; scores agree to 1e-15.)
 */
import { tokenCounts } from './token-counts.js';
import { wordTokenize } from './word-tokenize.js';

export function bleu1(prediction: string, gold: string): number {
  const hypothesis = wordTokenize(prediction.toLowerCase());
  const reference = wordTokenize(gold.toLowerCase());
  const referenceCounts = tokenCounts(reference);
  let clipped = 0;
  for (const [token, n] of tokenCounts(hypothesis)) clipped += Math.min(n, referenceCounts.get(token) ?? 0);
  if (clipped === 0) return 0;
  const c = hypothesis.length;
  const r = reference.length;
  const brevityPenalty = c > r ? 1 : Math.exp(1 - r / c);
  return brevityPenalty * (clipped / c);
}
