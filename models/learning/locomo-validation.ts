import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANSWER_FEATURE_DIM } from '../agents/answer-state.js';
import { CachingEmbedder } from '../embed/caching-embedder.js';
import { createEmbedder } from '../embed/create-embedder.js';
import { bankFromObservations, openBank } from '../eval/evidence/build-bank.js';
import { loadLocomo } from '../eval/locomo/load-locomo.js';
import { splitLocomo, type LocomoSplitPart } from '../eval/locomo/split.js';
import { BernoulliPolicy, type BernoulliState, type KeepMask } from '../rl/bernoulli-policy.js';
import type { CategoricalPolicy, CategoricalState } from '../rl/categorical-policy.js';
import type { TrainablePolicy } from '../rl/policy.js';
import { distillExamples, evaluateDistillation, type DistillExample } from '../train/locomo/answer-task.js';
import { embedConversation, type EmbeddedConversation } from '../train/locomo/embedded-conversation.js';
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
 * the conversation's observations greedily (`evaluateManager`); the answer
 * agent by distilling each question's 60 candidates from a bank the manager
 * in use builds through a real (temporary) store. Each is prepared once per
 * run and reused for the current policy and the candidate.
 */
export class LocomoValidation {
  private conversations: Promise<EmbeddedConversation[]> | undefined;
  private examples: Promise<DistillExample[]> | undefined;

  private constructor(
    private readonly validation: LocomoSplitPart,
    private readonly embedder: CachingEmbedder,
  ) {}

  static async open(path: string, embedderSpec: string): Promise<LocomoValidation> {
    const { validation } = splitLocomo(await loadLocomo(path));
    return new LocomoValidation(validation, new CachingEmbedder(await createEmbedder(embedderSpec)));
  }

  async manager(policy: TrainablePolicy<CategoricalState, number>): Promise<Scores> {
    this.conversations ??= Promise.all(this.validation.conversations.map((c) => embedConversation(this.embedder, c, this.validation.questions)));
    return scoresOf(await evaluateManager(await this.conversations, evidenceScorer, policy));
  }

  async answer(policy: TrainablePolicy<BernoulliState, KeepMask>, bankManager: CategoricalPolicy): Promise<Scores> {
    this.examples ??= this.distillExamples(bankManager);
    return scoresOf(await evaluateDistillation(await this.examples, evidenceScorer, policy));
  }

  dispose(): Promise<void> {
    return this.embedder.dispose();
  }

  private async distillExamples(manager: CategoricalPolicy): Promise<DistillExample[]> {
    // The examples' states do not depend on the distilling policy; the prior one only fills their masks.
    const prior = BernoulliPolicy.create(ANSWER_FEATURE_DIM);
    const out: DistillExample[] = [];
    try {
      for (const conversation of this.validation.conversations) {
        const dir = mkdtempSync(join(tmpdir(), 'memr1-learn-locomo-'));
        const store = await openBank(dir, this.embedder);
        try {
          await bankFromObservations(store, this.embedder, conversation, manager, 'current');
          out.push(...(await distillExamples(store, this.embedder, conversation, this.validation.questions, prior)));
        } finally {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    } finally {
      prior.net.dispose();
    }
    return out;
  }
}
