/**
 * LoCoMo's own QA F1 (snap-research/locomo `task_eval/evaluation.py`,
 * `eval_question_answering`): answers normalised with LoCoMo's
 * `normalize_answer`, every token stemmed with NLTK's Porter stemmer, then F1
 * over the token multisets (a repeated token counts as often as it matches).
 */
import { f1FromCounts } from './f1.js';
import { locomoNormalize } from './normalize-answer.js';
import { porterStem } from './porter-stemmer.js';
import { splitWhitespace } from './python-text.js';
import { tokenCounts } from './token-counts.js';

function stemmedTokens(text: string): string[] {
  return splitWhitespace(locomoNormalize(text)).map((token) => porterStem(token));
}

/** LoCoMo's `f1_score`: stemmed multiset F1 of one prediction against one gold answer. */
export function locomoTokenF1(prediction: string, gold: string): number {
  const predicted = stemmedTokens(prediction);
  const goldTokens = stemmedTokens(gold);
  const remaining = tokenCounts(goldTokens);
  let overlap = 0;
  for (const token of predicted) {
    const left = remaining.get(token) ?? 0;
    if (left > 0) {
      overlap += 1;
      remaining.set(token, left - 1);
    }
  }
  return f1FromCounts(overlap, predicted.length, goldTokens.length);
}

/**
 * The F1 LoCoMo's evaluation gives an answer to a question of `category`:
 * - 1 (multi-hop): gold and prediction are split on ","; the score is the mean,
 *   over the gold parts, of the best F1 any predicted part reaches (LoCoMo's `f1`);
 * - 3 (open-domain): only the gold before the first ";" counts (the rest is the
 *   annotators' justification, e.g. "Likely no; she wants to be a counselor");
 * - 2 and 4: plain `locomoTokenF1`. Category 5 (adversarial) is scored by
 *   LoCoMo with a refusal check; it is out of the benchmark, and gets plain F1 here.
 */
export function locomoF1(prediction: string, gold: string, category: number): number {
  if (category === 1) {
    const predictedParts = prediction.split(',');
    const goldParts = gold.split(',');
    const best = goldParts.map((part) => predictedParts.reduce((max, p) => Math.max(max, locomoTokenF1(p, part)), 0));
    return best.reduce((sum, score) => sum + score, 0) / goldParts.length;
  }
  if (category === 3) return locomoTokenF1(prediction, gold.split(';')[0] ?? '');
  return locomoTokenF1(prediction, gold);
}
