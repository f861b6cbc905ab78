import { keptMemoriesPrompt } from '../../agents/answer-agent.js';
import { parseAnswer } from '../../agents/parse-answer.js';
import type { ChatModel } from '../../llm/chat-model.js';
import type { LocomoQuestion } from '../../eval/locomo/types.js';
import { evidenceF1, evidenceRecall } from '../../eval/metrics/evidence.js';
import { exactMatch } from '../../eval/metrics/exact-match.js';

/** A memory as a question's answer is scored from it. */
export interface KeptMemory {
  id: string;
  text: string;
  subject: string;
  event_time: string | null;
  sources: readonly string[];
}

/**
 * The outcome reward of one question answered from a kept set (Memory-R1's
 * outcome-driven reward): evidence F1 on the LLM-free evidence track, the
 * LLM's exact match against the gold answer on the QA track.
 */
export interface QuestionScorer {
  /** `evidence` or `qa`: which track's reward this is. */
  track: 'evidence' | 'qa';
  score(question: LocomoQuestion, kept: readonly KeptMemory[]): Promise<number>;
}

export const evidenceScorer: QuestionScorer = {
  track: 'evidence',
  score: async (question, kept) => evidenceF1(kept.flatMap((m) => m.sources), question.evidence),
};

/** The frozen LLM answers from the kept memories with the paper's prompt; EM against the gold answer. */
export function qaScorer(llm: ChatModel): QuestionScorer {
  return {
    track: 'qa',
    score: async (question, kept) => {
      const reply = await llm.generate(keptMemoriesPrompt(question.question, kept), { maxTokens: 200, temperature: 0 });
      return exactMatch(parseAnswer(reply.text).answer, question.answer);
    },
  };
}

/** Evidence recall of a kept set (the constraint the answer agent trains under). */
export function keptRecall(question: LocomoQuestion, kept: readonly KeptMemory[]): number {
  return evidenceRecall(kept.flatMap((m) => m.sources), question.evidence);
}
