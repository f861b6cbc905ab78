import { memoryLine } from '../../agents/prompt-data.js';
import { distillExample, type DistillExample } from '../../eval/bank/distill-example.js';
import type { EmbeddedQuestion } from '../../eval/bank/embedded-conversation.js';
import { candidatePool } from '../../eval/bank/hybrid-pool.js';
import type { SimMemory } from '../../eval/bank/sim-bank.js';
import { topIndices } from '../../eval/evidence/kept-figures.js';
import { answerContentWords, shareFound, stemmedWords } from '../../eval/metrics/content-recall.js';

/** Memories the manager's frozen answerer keeps per question: the benchmark's fixed budget (`--budget 8`). */
export const FROZEN_KEEP = 8;

/** A distiller's keep scores for a question's candidates (higher is kept first): plugs a trained Answer Agent into the manager's reward. */
export type CandidateScorer = (example: DistillExample) => ArrayLike<number>;

/**
 * The memories the frozen Answer Agent keeps for `asked` from a bank: the
 * benchmark's hybrid 30 + 30 candidates (`distillExample`), then the `keep`
 * best by `scoreCandidates`. Without a scorer the distiller is the zero-shot
 * prior, whose keep logit rises with the fused retrieval score the
 * candidates are already ordered by, so its best `keep` are the first
 * `keep` candidates: the distillation state (28 features per candidate, the
 * slow part) is then skipped. A test checks both paths keep the same memories.
 */
export function frozenKept(memories: readonly SimMemory[], asked: EmbeddedQuestion, speakers: readonly string[], scoreCandidates?: CandidateScorer, keep = FROZEN_KEEP): SimMemory[] {
  if (!scoreCandidates) return candidatePool(memories, { text: asked.question.question, vector: asked.vector }, speakers).slice(0, keep).map((hit) => hit.item);
  const example = distillExample(memories, asked, speakers);
  return topIndices(scoreCandidates(example), keep).map((i) => example.candidates[i]!);
}

/**
 * Content recall (`contentRecall`: the answer's stemmed content words found
 * in the kept memories as the prompt renders them) with the stemming cached
 * per answer and per rendered memory: rewards score thousands of banks that
 * share most of their memories, and stemming is most of the cost.
 */
export class ContentRecallCache {
  private readonly wanted = new Map<string, Set<string>>();
  private readonly lines = new Map<string, readonly string[]>();

  /** The same number as `contentRecall(answer, category, kept lines)`; `undefined` when the answer has no words to find. */
  recall(question: { answer: string; category: number }, kept: readonly Pick<SimMemory, 'event_time' | 'text'>[]): number | undefined {
    const key = `${question.category}\u0000${question.answer}`;
    let wanted = this.wanted.get(key);
    if (!wanted) this.wanted.set(key, (wanted = answerContentWords(question.answer, question.category)));
    return shareFound(
      wanted,
      kept.map((memory) => memoryLine(memory.event_time, memory.text)),
      (line) => this.words(line),
    );
  }

  /** Whether a question counts for content recall at all (its answer has words to find). */
  scorable(question: { answer: string; category: number }): boolean {
    return answerContentWords(question.answer, question.category).size > 0;
  }

  private words(line: string): readonly string[] {
    let out = this.lines.get(line);
    if (!out) {
      if (this.lines.size > 100_000) this.lines.clear();
      this.lines.set(line, (out = stemmedWords(line)));
    }
    return out;
  }
}

/** Mean content recall of the frozen answerer over `questions` (those without content words skipped); 0 when none counts. */
export function bankContentRecall(
  memories: readonly SimMemory[],
  questions: readonly EmbeddedQuestion[],
  speakers: readonly string[],
  cache: ContentRecallCache,
  scoreCandidates?: CandidateScorer,
): number {
  let sum = 0;
  let counted = 0;
  for (const asked of questions) {
    if (!cache.scorable(asked.question)) continue;
    sum += cache.recall(asked.question, frozenKept(memories, asked, speakers, scoreCandidates))!;
    counted++;
  }
  return counted ? sum / counted : 0;
}
