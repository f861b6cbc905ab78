import type { UpdateStats } from './trainer-hooks.js';

/** What one training step reports (one JSONL line of the metrics file). */
export interface StepMetrics {
  reward_mean: number;
  reward_std: number;
  /**
   * Exact KL(π_θ || π_ref) at the sampling temperature, averaged over the
   * real items of the step's samples (an item: one categorical decision, or
   * one keep/drop of a candidate) and over the step's updates.
   */
  kl: number;
  /** Share of real items whose ratio was clipped, averaged over the step's updates (0 on the first). */
  clip_frac: number;
  /** Mean policy entropy per real item, averaged over the step's updates. */
  entropy: number;
  policy_loss: number;
  /** PPO only. */
  value_loss?: number;
}

export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length);
  return { mean, std: Math.sqrt(variance) };
}

/**
 * A step's metrics from its rewards and its updates' diagnostics: the update
 * numbers are averaged over the updates (as verl logs them per mini-batch and
 * reduces by mean), so they describe what the loss saw during the step.
 */
export function stepMetrics(rewards: readonly number[], updates: readonly UpdateStats[]): StepMetrics {
  const { mean, std } = meanStd(rewards);
  const average = (pick: (update: UpdateStats) => number) => meanStd(updates.map(pick)).mean;
  const valueLosses = updates.flatMap((update) => (update.valueLoss === undefined ? [] : [update.valueLoss]));
  return {
    reward_mean: mean,
    reward_std: std,
    kl: average((u) => u.kl),
    clip_frac: average((u) => u.clipFraction),
    entropy: average((u) => u.entropy),
    policy_loss: average((u) => u.policyLoss),
    ...(valueLosses.length > 0 ? { value_loss: meanStd(valueLosses).mean } : {}),
  };
}
