/**
 * Answer and evidence metrics for the LoCoMo benchmark (DESIGN §6): Mem0's
 * token F1 and BLEU-1 (what Memory-R1 reports), EM, LoCoMo's stemmed F1, the
 * LLM judge, evidence recall / F1, and their aggregation per category.
 */
export { tokenF1 } from './token-f1.js';
export { exactMatch } from './exact-match.js';
export { bleu1 } from './bleu.js';
export { locomoF1, locomoTokenF1 } from './locomo-f1.js';
export { locomoNormalize, squadNormalize } from './normalize-answer.js';
export { porterStem } from './porter-stemmer.js';
export { wordTokenize } from './word-tokenize.js';
export { diaIdSet, normalizeDiaId } from './dia-id.js';
export { evidenceF1, evidenceRecall } from './evidence.js';
export { judgeAnswer, type JudgeResult } from './judge.js';
export { CATEGORY_MAPPING_NOTE, LOCOMO_CATEGORIES, categoryName } from './categories.js';
export {
  aggregate,
  type Aggregate,
  type CategorySummary,
  type GroupSummary,
  type MetricSummary,
  type ScoredQuestion,
} from './aggregate.js';
