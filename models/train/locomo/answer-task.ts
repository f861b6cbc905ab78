import type { DistillExample } from '../../eval/bank/distill-example.js';
import { keptFigures, topIndices } from '../../eval/evidence/kept-figures.js';
import type { RowState } from '../../rl/pad-batch.js';
import type { TopKPicks } from '../../rl/top-k-policy.js';
import type { TrainEnvironment } from '../train-loop.js';
import { keptRecall, type QuestionScorer } from './question-scorer.js';

export type { DistillExample } from '../../eval/bank/distill-example.js';

/**
 * The Answer Agent's LoCoMo task (Memory-R1 §3.2) at a fixed budget: the
 * policy picks `budget` of the 60 candidates (`TopKPolicy`), and the reward
 * is the outcome of answering from them: evidence recall on the LLM-free
 * track, the frozen LLM's exact match on the QA track. Evaluation keeps the K
 * best by keep logit on the validation questions.
 */
export function locomoAnswerEnvironment(train: readonly DistillExample[], validation: readonly DistillExample[], scorer: QuestionScorer, budget: number): TrainEnvironment<RowState, TopKPicks> {
  const byState = new Map([...train, ...validation].map((e) => [e.state, e]));
  return {
    states: train.map((e) => e.state),
    stateFeatures: (state) => byState.get(state)!.stateFeatures,
    reward: async (state, picks) => {
      const example = byState.get(state)!;
      const kept = picks.map((i) => example.candidates[i]!);
      return scorer.track === 'qa' ? scorer.score(example.question, kept) : keptRecall(example.question, kept);
    },
    evaluate: (policy) => evaluateDistillation(validation, scorer, policy as unknown as LogitScorer, budget),
  };
}

/** Anything that gives a keep logit per candidate: a trained policy, the prior, a classifier. */
export interface LogitScorer {
  stateLogits(state: RowState): ArrayLike<number>;
}

/**
 * A distiller on examples at a fixed budget (its K best by keep logit): mean
 * evidence recall (the evidence track's selection score) and F1, content
 * recall, kept size, and on the QA track the LLM's exact match (`em`).
 */
export async function evaluateDistillation(examples: readonly DistillExample[], scorer: QuestionScorer, policy: LogitScorer, budget: number): Promise<Record<string, number>> {
  const sums = { evidence_recall: 0, evidence_f1: 0, content_recall: 0, kept_mean: 0, em: 0 };
  let withContent = 0;
  for (const example of examples) {
    const kept = topIndices(policy.stateLogits(example.state), budget).map((i) => example.candidates[i]!);
    const figures = keptFigures(example.question, kept);
    sums.evidence_recall += figures.evidence_recall!;
    sums.evidence_f1 += figures.evidence_f1!;
    sums.kept_mean += figures.kept!;
    if (figures.content_recall !== undefined) {
      sums.content_recall += figures.content_recall;
      withContent++;
    }
    if (scorer.track === 'qa') sums.em += await scorer.score(example.question, kept);
  }
  const n = Math.max(1, examples.length);
  return {
    ...(scorer.track === 'qa' ? { em: sums.em / n } : {}),
    evidence_recall: sums.evidence_recall / n,
    evidence_f1: sums.evidence_f1 / n,
    content_recall: sums.content_recall / Math.max(1, withContent),
    kept_mean: sums.kept_mean / n,
  };
}
