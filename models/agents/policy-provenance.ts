import type { PolicyProvenance } from '../rl/provenance.js';
import type { AgentName } from './policy-loader.js';

/**
 * The prior each agent's policy is trained on without an LLM: the manager's
 * similarity heuristic, the answer agent's fused retrieval score. (With an
 * LLM in the chat, the manager's prior is the LLM's decision: `llm`.)
 */
export const DEFAULT_PRIORS: Record<AgentName, PolicyProvenance['prior']> = { manager: 'heuristic', answer: 'retrieval' };

/** The provenance of an untrained policy saved as a version (the prior kept so a rollback can return to it). */
export function priorProvenance(agent: AgentName): PolicyProvenance {
  return { source: 'prior', algorithm: 'none', prior: DEFAULT_PRIORS[agent] };
}

/**
 * The provenance of a version the on-device updater trained from the user's
 * feedback and promoted. `prior` is the prior of the episodes it learned from
 * (the LLM's for a manager whose chat had an LLM).
 */
export function feedbackProvenance(
  agent: AgentName,
  run: { algorithm: string; prior?: PolicyProvenance['prior']; recipe?: Record<string, unknown>; seed?: number; validation?: Record<string, number> },
): PolicyProvenance {
  return {
    source: 'feedback',
    algorithm: run.algorithm,
    prior: run.prior ?? DEFAULT_PRIORS[agent],
    trained_at: new Date().toISOString(),
    ...(run.recipe ? { recipe: run.recipe } : {}),
    ...(run.seed !== undefined ? { seed: run.seed } : {}),
    ...(run.validation ? { validation: run.validation } : {}),
  };
}
