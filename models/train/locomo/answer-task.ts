import { AnswerAgent } from '../../agents/answer-agent.js';
import { distillStateFeatures } from '../../agents/answer-state.js';
import type { Embedder } from '../../embed/embedder.js';
import type { LocomoConversation, LocomoQuestion } from '../../eval/locomo/types.js';
import type { MemoryStore } from '../../memory/store.js';
import type { BernoulliPolicy, BernoulliState, KeepMask } from '../../rl/bernoulli-policy.js';
import type { TrainablePolicy } from '../../rl/policy.js';
import type { TrainEnvironment } from '../train-loop.js';
import { keptRecall, type KeptMemory, type QuestionScorer } from './question-scorer.js';

/** One question as the Answer Agent sees it: its 60 candidates from a real bank and the distillation state. */
export interface DistillExample {
  question: LocomoQuestion;
  candidates: KeptMemory[];
  state: BernoulliState;
  stateFeatures: Float32Array;
}

/** Retrieves each question's candidates from `store` through the Answer Agent (the product's own retrieval). */
export async function distillExamples(
  store: MemoryStore,
  embedder: Embedder,
  conversation: LocomoConversation,
  questions: readonly LocomoQuestion[],
  policy: BernoulliPolicy,
  onQuestion?: () => void,
): Promise<DistillExample[]> {
  const agent = new AnswerAgent({ store, embedder, policy, subjects: conversation.speakers });
  const out: DistillExample[] = [];
  for (const question of questions.filter((q) => q.id.startsWith(`${conversation.sampleId}#`) && q.evidence.length > 0)) {
    const result = await agent.distil(question.question);
    out.push({ question, candidates: result.candidates, state: result.state, stateFeatures: distillStateFeatures(result.scores) });
    onQuestion?.();
  }
  return out;
}

/**
 * A lower bound on evidence recall, enforced by a Lagrange multiplier: the
 * reward is score + λ·recall and λ rises while the greedy policy's recall on
 * the training questions is below `floor` (dual ascent), falls when above.
 * Without it, evidence F1 alone teaches the agent to keep one or two
 * memories, losing half the evidence a baseline finds.
 */
export interface RecallConstraint {
  floor: number;
  /** λ's step per unit of recall shortfall. */
  rate: number;
  initial: number;
}

const keptOf = (example: DistillExample, mask: KeepMask) => example.candidates.filter((_, i) => mask[i] === 1);

/**
 * The Answer Agent's LoCoMo task (Memory-R1 §3.2): keep or drop each of the
 * 60 candidates; the reward is the outcome of answering from the kept set
 * (evidence F1, or the LLM's exact match), plus λ·recall under a recall
 * constraint. Evaluation is greedy on the validation questions.
 */
export function locomoAnswerEnvironment(
  train: readonly DistillExample[],
  validation: readonly DistillExample[],
  scorer: QuestionScorer,
  constraint?: RecallConstraint,
): TrainEnvironment<BernoulliState, KeepMask> {
  const byState = new Map([...train, ...validation].map((e) => [e.state, e]));
  let lambda = constraint?.initial ?? 0;
  return {
    states: train.map((e) => e.state),
    stateFeatures: (state) => byState.get(state)!.stateFeatures,
    reward: async (state, mask) => {
      const example = byState.get(state)!;
      const kept = keptOf(example, mask);
      return (await scorer.score(example.question, kept)) + (constraint ? lambda * keptRecall(example.question, kept) : 0);
    },
    afterStep: (policy): Record<string, number> => {
      if (!constraint) return {};
      const recall = meanOf(train, (e) => keptRecall(e.question, keptOf(e, policy.greedy(e.state))));
      lambda = Math.max(0, lambda + constraint.rate * (constraint.floor - recall));
      return { lambda, train_greedy_recall: recall };
    },
    evaluate: (policy) => evaluateDistillation(validation, scorer, policy),
  };
}

/** Greedy distillation of each example: the mean score, evidence recall and kept-set size. */
export async function evaluateDistillation(examples: readonly DistillExample[], scorer: QuestionScorer, policy: TrainablePolicy<BernoulliState, KeepMask> | { top: number }): Promise<Record<string, number>> {
  let score = 0;
  let recall = 0;
  let kept = 0;
  for (const example of examples) {
    const chosen = 'top' in policy ? example.candidates.slice(0, policy.top) : keptOf(example, policy.greedy(example.state));
    score += await scorer.score(example.question, chosen);
    recall += keptRecall(example.question, chosen);
    kept += chosen.length;
  }
  const n = Math.max(1, examples.length);
  return { [scorer.track === 'evidence' ? 'evidence_f1' : 'em']: score / n, evidence_recall: recall / n, kept_mean: kept / n };
}

function meanOf<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((sum, item) => sum + value(item), 0) / Math.max(1, items.length);
}
