import { DEFAULT_KEEP } from '../agents/answer-agent.js';
import { CachingEmbedder } from '../embed/caching-embedder.js';
import { createEmbedder } from '../embed/create-embedder.js';
import { bankCapacity, DEFAULT_BANK_BUDGET, policyChooser } from '../eval/bank/build-sim-bank.js';
import { distillExample } from '../eval/bank/distill-example.js';
import { embedConversations, type EmbeddedConversation } from '../eval/bank/embedded-conversation.js';
import { replayManager } from '../eval/bank/replay-manager.js';
import { loadLocomo } from '../eval/locomo/load-locomo.js';
import { splitLocomo, type LocomoSplitPart } from '../eval/locomo/split.js';
import type { KeepMask } from '../rl/bernoulli-policy.js';
import type { RowState } from '../rl/pad-batch.js';
import type { CategoricalPolicy, CategoricalState } from '../rl/categorical-policy.js';
import type { TrainablePolicy } from '../rl/policy.js';
import { evaluateDistillation, type DistillExample } from '../train/locomo/answer-task.js';
import { evaluateManager } from '../train/locomo/manager-task.js';
import { evidenceScorer } from '../train/locomo/question-scorer.js';
import type { Scores } from './update-job.js';

/** The LoCoMo gate's score: evidence F1 on the validation conversation (conv-30), LLM-free. */
export const LOCOMO_SCORE = 'locomo_val_evidence_f1';
/**
 * How much lower a candidate's LoCoMo validation F1 may be and still pass:
 * the gate guards against a policy that the user's few signals bent out of
 * shape, not against noise (81 questions; one question moves F1 by ~0.01).
 */
export const LOCOMO_TOLERANCE = 0.01;

const scoresOf = (evaluation: Record<string, number>): Scores => ({
  [LOCOMO_SCORE]: evaluation.evidence_f1 ?? 0,
  locomo_val_evidence_recall: evaluation.evidence_recall ?? 0,
});

/**
 * LoCoMo's validation conversation as the evidence track scores it, for the
 * promotion gate (runs in the worker). The manager is scored by replaying
 * the conversation's observations greedily under the default bank budget
 * (`evaluateManager`: the frozen prior keeps 8 candidates per question); the
 * answer agent by its 8 best of each question's 60 candidates from the bank
 * the manager in use builds. Banks are in memory (`SimBank`, as the
 * benchmark builds them); each is prepared once per run and reused for the
 * current policy and the candidate.
 */
export class LocomoValidation {
  private conversations: Promise<EmbeddedConversation[]> | undefined;
  private examples: DistillExample[] | undefined;

  private constructor(
    private readonly validation: LocomoSplitPart,
    private readonly embedder: CachingEmbedder,
  ) {}

  static async open(path: string, embedderSpec: string): Promise<LocomoValidation> {
    const { validation } = splitLocomo(await loadLocomo(path));
    return new LocomoValidation(validation, new CachingEmbedder(await createEmbedder(embedderSpec)));
  }

  async manager(policy: TrainablePolicy<CategoricalState, number>): Promise<Scores> {
    return scoresOf(evaluateManager(await this.embedded(), policy, { bankBudget: DEFAULT_BANK_BUDGET }));
  }

  async answer(policy: TrainablePolicy<RowState, KeepMask>, bankManager: CategoricalPolicy): Promise<Scores> {
    this.examples ??= (await this.embedded()).flatMap((conversation) => {
      const { memories } = replayManager(conversation.facts, policyChooser(bankManager), bankCapacity(conversation, DEFAULT_BANK_BUDGET));
      return conversation.questions.map((q) => distillExample(memories, q, conversation.speakers));
    });
    return scoresOf(await evaluateDistillation(this.examples, evidenceScorer, policy, DEFAULT_KEEP));
  }

  dispose(): Promise<void> {
    return this.embedder.dispose();
  }

  private embedded(): Promise<EmbeddedConversation[]> {
    this.conversations ??= embedConversations(this.embedder, this.validation.conversations, this.validation.questions);
    return this.conversations;
  }
}
