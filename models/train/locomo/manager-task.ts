import { heuristicDecision } from '../../agents/heuristic-prior.js';
import { managerActions, managerState, managerStateFeatures, type ManagerAction } from '../../agents/manager-state.js';
import type { LocomoQuestion } from '../../eval/locomo/types.js';
import type { CategoricalState } from '../../rl/categorical-policy.js';
import { drawIndex, type TrainablePolicy } from '../../rl/policy.js';
import { mulberry32 } from '../../util/seeded-random.js';
import type { TrainEnvironment } from '../train-loop.js';
import type { EmbeddedConversation } from './embedded-conversation.js';
import { keptRecall, type QuestionScorer } from './question-scorer.js';
import { SimBank, type SimFact, type SimRelated } from './sim-bank.js';

/** Related memories per fact, as the Memory Manager retrieves them. */
const RELATED = 10;
/** The frozen answer agent of the manager's reward keeps the top 10 by similarity (the `mem0` baseline's rule). */
export const FROZEN_ANSWER_TOP = 10;

/** One decision of a replayed conversation: the bank as it stood, the fact, and the questions it can affect. */
interface ManagerStep {
  conversation: EmbeddedConversation;
  state: CategoricalState;
  stateFeatures: Float32Array;
  bank: SimBank;
  fact: SimFact;
  related: SimRelated[];
  /** Questions whose evidence lies in the fact's turns or in a memory the action could change. */
  questions: LocomoQuestion[];
}

type Chooser = (state: CategoricalState, prior: ManagerAction, actions: ManagerAction[]) => ManagerAction;

/**
 * Feeds a conversation's observations, in order, to a manager (`choose`) over
 * a simulated bank, recording every decision's state. Returns the steps and
 * the final bank.
 */
function replay(conversation: EmbeddedConversation, choose: Chooser): { steps: ManagerStep[]; bank: SimBank } {
  let bank = SimBank.empty();
  const steps: ManagerStep[] = [];
  for (const fact of conversation.facts) {
    const related = bank.related(fact.vector, RELATED);
    const prior = heuristicDecision(fact, related);
    const state = managerState(fact, related, prior);
    const touched = new Set([...fact.sources, ...related.flatMap((m) => m.sources)]);
    const questions = conversation.questions.filter((q) => q.question.evidence.some((id) => touched.has(id))).map((q) => q.question);
    steps.push({ conversation, state, stateFeatures: managerStateFeatures(fact, related), bank, fact, related, questions });
    const actions = managerActions(related.length);
    bank = bank.apply(fact, related, choose(state, prior, actions));
  }
  return { steps, bank };
}

/** Scores questions against a bank the way the frozen answer agent answers them: the top 10 by similarity. */
async function scoreBank(bank: SimBank, conversation: EmbeddedConversation, questions: readonly LocomoQuestion[], scorer: QuestionScorer): Promise<{ score: number; recall: number }> {
  let score = 0;
  let recall = 0;
  for (const question of questions) {
    const kept = bank.nearest(conversation.questionVector(question), FROZEN_ANSWER_TOP).map((hit) => hit.memory);
    score += await scorer.score(question, kept);
    recall += keptRecall(question, kept);
  }
  const n = Math.max(1, questions.length);
  return { score: score / n, recall: recall / n };
}

export interface ManagerTaskOptions {
  /** Replays with actions sampled from the prior at temperature 1, beside the prior's own: more varied banks to learn on. */
  sampledReplays: number;
  seed: number;
}

/**
 * The Memory Manager's LoCoMo task (Memory-R1 §3.1): states are the decisions
 * of replayed training conversations; the reward of an operation is the
 * frozen answer agent's score on the questions whose evidence lies in the
 * fact's turns (or in a memory the operation could change), answered from the
 * bank as that operation leaves it. Evaluation replays the validation
 * conversation greedily and scores all its questions on the final bank.
 */
export function locomoManagerEnvironment(
  train: readonly EmbeddedConversation[],
  validation: readonly EmbeddedConversation[],
  scorer: QuestionScorer,
  options: ManagerTaskOptions,
): TrainEnvironment<CategoricalState, number> {
  const random = mulberry32(options.seed);
  const priorWeights = (state: CategoricalState) => Array.from(state.prior, (logit) => Math.exp(logit));
  const steps: ManagerStep[] = [];
  for (const conversation of train) {
    steps.push(...replay(conversation, (_state, prior) => prior).steps);
    for (let i = 0; i < options.sampledReplays; i++) {
      steps.push(...replay(conversation, (state, _prior, actions) => actions[drawIndex(priorWeights(state), random)]!).steps);
    }
  }
  // A decision no question depends on has no outcome to learn from.
  const learnable = steps.filter((s) => s.questions.length > 0);
  const byState = new Map(learnable.map((s) => [s.state, s]));
  const rewards = new Map<ManagerStep, Map<number, Promise<number>>>();
  return {
    states: learnable.map((s) => s.state),
    stateFeatures: (state) => byState.get(state)!.stateFeatures,
    reward: (state, action) => {
      const step = byState.get(state)!;
      const memo = rewards.get(step) ?? new Map<number, Promise<number>>();
      rewards.set(step, memo);
      if (!memo.has(action)) {
        const bank = step.bank.apply(step.fact, step.related, managerActions(step.related.length)[action]!);
        memo.set(action, scoreBank(bank, step.conversation, step.questions, scorer).then((s) => s.score));
      }
      return memo.get(action)!;
    },
    evaluate: (policy) => evaluateManager(validation, scorer, policy),
  };
}

/** Greedy replay of each conversation, then every question scored on the final bank. */
export async function evaluateManager(conversations: readonly EmbeddedConversation[], scorer: QuestionScorer, policy: TrainablePolicy<CategoricalState, number> | 'prior'): Promise<Record<string, number>> {
  let score = 0;
  let recall = 0;
  let questions = 0;
  let memories = 0;
  const counts: Record<ManagerAction['kind'], number> = { ADD: 0, UPDATE: 0, DELETE: 0, NOOP: 0 };
  for (const conversation of conversations) {
    const { bank } = replay(conversation, (state, prior, actions) => {
      const action = policy === 'prior' ? prior : actions[policy.greedy(state)]!;
      counts[action.kind]++;
      return action;
    });
    const all = conversation.questions.map((q) => q.question);
    const result = await scoreBank(bank, conversation, all, scorer);
    score += result.score * all.length;
    recall += result.recall * all.length;
    questions += all.length;
    memories += bank.memories.length;
  }
  const decisions = Math.max(1, counts.ADD + counts.UPDATE + counts.DELETE + counts.NOOP);
  const n = Math.max(1, questions);
  return {
    [scorer.track === 'evidence' ? 'evidence_f1' : 'em']: score / n,
    evidence_recall: recall / n,
    memories: memories / Math.max(1, conversations.length),
    ...Object.fromEntries(Object.entries(counts).map(([kind, count]) => [`share_${kind}`, count / decisions])),
  };
}
