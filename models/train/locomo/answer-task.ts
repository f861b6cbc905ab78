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
 * constraint. Evaluation is greedy on the validation questions, at the
 * calibrated operating point when one is given.
 */
export function locomoAnswerEnvironment(
  train: readonly DistillExample[],
  validation: readonly DistillExample[],
  scorer: QuestionScorer,
  constraint?: RecallConstraint,
  operatingPoint?: OperatingPoint,
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
    evaluate: async (policy) => {
      if (!operatingPoint) return evaluateDistillation(validation, scorer, policy);
      const { threshold, evaluation } = await calibrateKeepThreshold(validation, scorer, policy as BernoulliPolicy, operatingPoint);
      return { ...evaluation, keep_threshold: threshold };
    },
  };
}

/** What the calibrated greedy policy must achieve on validation: recall at least `recallFloor`, at most `maxKept` memories kept on average. */
export interface OperatingPoint {
  recallFloor: number;
  maxKept: number;
}

/** Thresholds tried: this many quantiles of the validation logits, plus 0 (plain greedy). */
const THRESHOLD_QUANTILES = 64;

/**
 * Operating-point calibration. Greedy decoding keeps a candidate whose keep
 * logit is above 0; moving that threshold trades recall for precision, and
 * RL on a precision-heavy reward settles on a very small kept set. This picks
 * the threshold with the best validation score among those that meet the
 * operating point (when none does, the one with the highest recall), as one
 * picks a point on a precision-recall curve. `shiftKeepThreshold` then folds
 * it into the policy, so the saved policy decodes at that point.
 */
export async function calibrateKeepThreshold(
  examples: readonly DistillExample[],
  scorer: QuestionScorer,
  policy: BernoulliPolicy,
  point: OperatingPoint,
): Promise<{ threshold: number; evaluation: Record<string, number> }> {
  const logits = examples.map((e) => policy.stateLogits(e.state));
  const sorted = logits.flatMap((l) => Array.from(l)).sort((a, b) => a - b);
  // Midway between neighbouring logits, so no candidate sits on the cut, where float rounding in the folded bias could flip it.
  const cutAt = (k: number) => {
    const above = sorted.find((l, j) => j > k && l > sorted[k]!) ?? sorted[k]! + 1;
    return (sorted[k]! + above) / 2;
  };
  const thresholds = new Set([0, ...Array.from({ length: THRESHOLD_QUANTILES }, (_, i) => cutAt(Math.floor(((i + 0.5) / THRESHOLD_QUANTILES) * sorted.length)))]);
  let best: { threshold: number; evaluation: Record<string, number>; rank: number } | undefined;
  for (const threshold of thresholds) {
    const evaluation = await evaluateDistillation(examples, scorer, { keep: (i) => Array.from(logits[i]!, (l) => (l > threshold ? 1 : 0)) });
    const feasible = evaluation.evidence_recall! >= point.recallFloor && evaluation.kept_mean! <= point.maxKept;
    // Feasible points rank by score, above every infeasible one (ranked by recall).
    const rank = feasible ? 2 + evaluation[scoreName(scorer)]! : evaluation.evidence_recall!;
    if (!best || rank > best.rank) best = { threshold, evaluation, rank };
  }
  return { threshold: best!.threshold, evaluation: best!.evaluation };
}

/** Greedy distillation of each example: the mean score, evidence recall and kept-set size. */
export async function evaluateDistillation(
  examples: readonly DistillExample[],
  scorer: QuestionScorer,
  policy: TrainablePolicy<BernoulliState, KeepMask> | { top: number } | { keep: (index: number) => KeepMask },
): Promise<Record<string, number>> {
  let score = 0;
  let recall = 0;
  let kept = 0;
  for (const [index, example] of examples.entries()) {
    const chosen = 'top' in policy ? example.candidates.slice(0, policy.top) : keptOf(example, 'keep' in policy ? policy.keep(index) : policy.greedy(example.state));
    score += await scorer.score(example.question, chosen);
    recall += keptRecall(example.question, chosen);
    kept += chosen.length;
  }
  const n = Math.max(1, examples.length);
  return { [scoreName(scorer)]: score / n, evidence_recall: recall / n, kept_mean: kept / n };
}

const scoreName = (scorer: QuestionScorer) => (scorer.track === 'evidence' ? 'evidence_f1' : 'em');

function meanOf<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((sum, item) => sum + value(item), 0) / Math.max(1, items.length);
}
