export { topIndices } from '../../agents/answer-state.js';
import { memoryLine } from '../../agents/prompt-data.js';
import type { LocomoQuestion } from '../locomo/types.js';
import { contentRecall } from '../metrics/content-recall.js';
import { evidenceF1, evidenceRecall } from '../metrics/evidence.js';

/** A kept memory as it is scored: its sources (provenance) and what the answer prompt shows of it. */
export interface ScoredMemory {
  text: string;
  event_time: string | null;
  sources: readonly string[];
}

/**
 * The evidence track's scores of one kept set: provenance (evidence recall
 * and F1 of the sources), content (the answer's words in the rendered
 * memories), and size (memories, and whitespace tokens of the rendered lines).
 */
export function keptFigures(question: LocomoQuestion, kept: readonly ScoredMemory[]): Record<string, number> {
  const sources = kept.flatMap((m) => m.sources);
  const lines = kept.map((m) => memoryLine(m.event_time, m.text));
  const content = contentRecall(question.answer, question.category, lines);
  return {
    evidence_recall: evidenceRecall(sources, question.evidence),
    evidence_f1: evidenceF1(sources, question.evidence),
    ...(content === undefined ? {} : { content_recall: content }),
    kept: kept.length,
    kept_tokens: lines.reduce((sum, line) => sum + line.split(/\s+/).filter(Boolean).length, 0),
  };
}
