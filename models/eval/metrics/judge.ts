/**
 * LLM-as-a-judge, as in Mem0's LoCoMo evaluation (the ACCURACY_PROMPT that
 * Memory-R1 reports as J): the judge model sees the question, the gold answer
 * and the generated answer and labels the latter CORRECT or WRONG. J is the
 * share of CORRECT.
 */
import { judgeFormat } from '../../agents/output-formats.js';
import { parseJudge } from '../../agents/parse-judge.js';
import { judgePrompt } from '../../agents/prompts.js';
import type { ChatModel } from '../../llm/chat-model.js';

export interface JudgeResult {
  correct: boolean;
  /** Why the reply was counted WRONG without a clear label (see `parseJudge`). */
  reason?: string;
}

// Greedy, so a rerun gives the same verdict; the reply is one short JSON object
// (`{"label": "CORRECT"}` is under 10 tokens), with room for a little preamble.
const JUDGE_SAMPLING = { temperature: 0, maxTokens: 50 } as const;

/**
 * Asks `llm` whether `generated` answers `question` as `gold` does. An
 * unreadable reply counts as WRONG with a reason; an unreachable model throws
 * (the `ChatModelError` of `generate`), since a judge that did not judge must
 * not look like a wrong answer.
 */
export async function judgeAnswer(llm: ChatModel, question: string, gold: string, generated: string): Promise<JudgeResult> {
  // Under the judge's format: a local model is held to the label's grammar, a server gets it as a JSON schema.
  const reply = await llm.generate(judgePrompt(question, gold, generated), { ...JUDGE_SAMPLING, format: judgeFormat() });
  const verdict = parseJudge(reply.text);
  const correct = verdict.label === 'CORRECT';
  return verdict.reason === undefined ? { correct } : { correct, reason: verdict.reason };
}
