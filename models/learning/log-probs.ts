import type { KeepMask } from '../rl/bernoulli-policy.js';

/*
 * Log-probabilities of the actions a policy took, from its logits (plain
 * numbers: recorded with each episode in the app, and read by the promotion
 * gate).
 */

/** log softmax(logits)[index], stable for any logits. */
export function categoricalLogProb(logits: ArrayLike<number>, index: number): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i]! - max);
  return logits[index]! - max - Math.log(total);
}

/** Σ log σ(±logit) over the items, kept (+) or dropped (−). */
export function bernoulliLogProb(logits: ArrayLike<number>, mask: KeepMask): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += mask[i] === 1 ? keepLogProb(logits[i]!) : keepLogProb(-logits[i]!);
  return sum;
}

/** log σ(logit): the log-probability of keeping one item; softplus written to stay finite for large logits. */
export function keepLogProb(logit: number): number {
  return -(Math.max(-logit, 0) + Math.log1p(Math.exp(-Math.abs(logit))));
}
