/** What one training step reports (one JSONL line of the metrics file). */
export interface StepMetrics {
  reward_mean: number;
  reward_std: number;
  /** Mean k3 estimate of KL(π_θ || π_ref) on the step's samples. */
  kl: number;
  /** Share of samples whose ratio was clipped. */
  clip_frac: number;
  /** Mean policy entropy per state. */
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
