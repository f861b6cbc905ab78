import { AnswerAgent } from '../../agents/answer-agent.js';
import type { ChatModel } from '../../llm/chat-model.js';
import type { LocomoQuestion } from '../locomo/types.js';
import { aggregate, type Aggregate, type ScoredQuestion } from '../metrics/aggregate.js';
import { bleu1 } from '../metrics/bleu.js';
import { CATEGORY_MAPPING_NOTE } from '../metrics/categories.js';
import { exactMatch } from '../metrics/exact-match.js';
import { judgeAnswer } from '../metrics/judge.js';
import { locomoF1 } from '../metrics/locomo-f1.js';
import { tokenF1 } from '../metrics/token-f1.js';
import { QA_METHOD_PLANS as METHOD_PLANS, type QaMethod } from './qa-methods.js';
import { forEachMethodBank, type MethodBankOptions } from './method-banks.js';
import { PAPER_TABLE_1, type PaperBackbone, type PaperRow } from './paper-results.js';

export interface QaTrackOptions extends Omit<MethodBankOptions, 'llm'> {
  questions: LocomoQuestion[];
  /** Extracts facts (with `facts: 'extraction'`), gives the manager's prior, and answers. */
  llm: ChatModel;
  /** Labels answers CORRECT / WRONG (J); without it J is not reported. */
  judge?: ChatModel;
  /** The paper's rows to show beside ours. */
  backbone?: PaperBackbone;
}

/** Means in [0, 1] over a group of questions; `j` only with a judge. */
export interface QaFigures {
  questions: number;
  f1: number;
  bleu1: number;
  locomo_f1: number;
  em: number;
  j?: number;
}

export interface QaTrackReport {
  track: 'qa';
  llm: string;
  judge: string | null;
  questions: number;
  category_mapping: string;
  methods: Partial<Record<QaMethod, { overall: QaFigures; categories: Record<string, QaFigures> }>>;
  /** Memory-R1 Table 1 for the same backbone, in percent. */
  paper?: { backbone: PaperBackbone; rows: Record<string, PaperRow> };
  seconds: number;
}

/**
 * The QA track (the paper's Table 1): each method's bank is built with the
 * LLM as the manager's prior (facts from LoCoMo's observations or extracted by
 * the LLM), the Answer Agent retrieves 60 candidates, keeps some (top 10, or
 * the trained distillation policy) and the LLM answers from them. Scores:
 * token F1 and BLEU-1 as Mem0's evaluation code, LoCoMo's stemmed F1, EM, and
 * J with a judge.
 */
export async function runQaTrack(options: QaTrackOptions): Promise<QaTrackReport> {
  const started = performance.now();
  const rows = new Map<QaMethod, ScoredQuestion[]>(options.methods.map((m) => [m, []]));
  await forEachMethodBank({ ...options, llm: options.llm }, async ({ conversation, method, store, policies }) => {
    const keep = METHOD_PLANS[method].keep;
    const agent = new AnswerAgent({ store, embedder: options.embedder, llm: options.llm, policy: policies.answer, subjects: conversation.speakers });
    const questions = options.questions.filter((q) => q.id.startsWith(`${conversation.sampleId}#`));
    for (const [i, question] of questions.entries()) {
      const distilled = await agent.distil(question.question);
      const result = await agent.complete('top' in keep ? { ...distilled, kept: distilled.candidates.slice(0, keep.top) } : distilled);
      const answer = result.answer ?? '';
      const scores: Record<string, number> = {
        f1: tokenF1(answer, question.answer),
        bleu1: bleu1(answer, question.answer),
        locomo_f1: locomoF1(answer, question.answer, question.category),
        em: exactMatch(answer, question.answer),
      };
      if (options.judge) scores.j = (await judgeAnswer(options.judge, question.question, question.answer, answer)).correct ? 1 : 0;
      rows.get(method)!.push({ category: question.category, scores });
      options.onProgress?.(`${conversation.sampleId} ${method}`, i + 1, questions.length);
    }
  });
  const methods: QaTrackReport['methods'] = {};
  for (const method of options.methods) {
    const results = aggregate(rows.get(method)!);
    methods[method] = { overall: figures(results.overall), categories: Object.fromEntries(results.categories.map((c) => [`${c.category} ${c.name}`, figures(c)])) };
  }
  return {
    track: 'qa',
    llm: options.llm.info.id,
    judge: options.judge?.info.id ?? null,
    questions: options.questions.length,
    category_mapping: CATEGORY_MAPPING_NOTE,
    methods,
    ...(options.backbone ? { paper: { backbone: options.backbone, rows: PAPER_TABLE_1[options.backbone] } } : {}),
    seconds: Math.round((performance.now() - started) / 1000),
  };
}

function figures(group: Aggregate['overall']): QaFigures {
  const mean = (name: string) => group.metrics[name]?.mean ?? 0;
  return {
    questions: group.count,
    f1: mean('f1'),
    bleu1: mean('bleu1'),
    locomo_f1: mean('locomo_f1'),
    em: mean('em'),
    ...(group.metrics.j ? { j: mean('j') } : {}),
  };
}
