import type { AnswerResult } from '../agents/answer-agent.js';
import { distillStateFeatures } from '../agents/answer-state.js';
import type { AppliedDecision } from '../agents/memory-manager.js';
import { managerStateFeatures } from '../agents/manager-state.js';
import type { EpisodeLog } from '../memory/episode-log.js';
import type { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import type { CategoricalPolicy } from '../rl/categorical-policy.js';
import { bernoulliLogProb, categoricalLogProb } from './log-probs.js';

/** Saves an answer episode once its reply has an id. */
export type PendingAnswerEpisode = (messageId: string, turnId: string) => Promise<void>;

const nothing: PendingAnswerEpisode = async () => undefined;

/**
 * Records what the chat's policies saw and chose, only while the user has
 * learning switched on: a manager episode per operation (target: the op id,
 * which review feedback names) and an answer episode per reply (target: the
 * assistant message id, which thumbs and corrections name). Log-probabilities
 * are computed while the caller still holds the policy that acted.
 */
export class EpisodeRecorder {
  constructor(
    private readonly log: EpisodeLog,
    private readonly enabled: () => boolean,
  ) {}

  /** Call right after the distillation; the returned function saves the episode for the reply. */
  answer(distilled: AnswerResult, policy: BernoulliPolicy, version: string): PendingAnswerEpisode {
    if (!this.enabled() || !distilled.candidates.length) return nothing;
    const logProb = bernoulliLogProb(policy.stateLogits(distilled.state), distilled.mask);
    return async (messageId, turnId) => {
      await this.log.record({
        agent: 'answer',
        target_id: messageId,
        turn_id: turnId,
        policy_version: version,
        features: distilled.state.features,
        prior: distilled.state.prior,
        state_features: distillStateFeatures(distilled.scores),
        action: [...distilled.mask],
        log_prob: logProb,
        context: { question: distilled.question, candidates: distilled.candidates.map(({ id, text }) => ({ id, text })) },
      });
    };
  }

  async manager(decisions: readonly AppliedDecision[], policy: CategoricalPolicy, version: string, turnId: string): Promise<void> {
    if (!this.enabled()) return;
    for (const decision of decisions) {
      await this.log.record({
        agent: 'manager',
        target_id: decision.op.op_id,
        turn_id: turnId,
        policy_version: version,
        features: decision.state.features,
        prior: decision.state.prior,
        state_features: managerStateFeatures(decision.fact, decision.related),
        action: [decision.actionIndex],
        log_prob: categoricalLogProb(policy.stateLogits(decision.state), decision.actionIndex),
        context: { fact: decision.fact.text, related: decision.related.map(({ id, text }) => ({ id, text })) },
      });
    }
  }
}
