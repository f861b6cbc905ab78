import { HELD_OUT_REWARD } from './feedback-environment.js';
import { LOCOMO_SCORE, LOCOMO_TOLERANCE } from './locomo-validation.js';
import type { Scores } from './update-job.js';

const fmt = (x: number | undefined) => (x ?? Number.NaN).toFixed(3);

/**
 * Whether a candidate may replace the policy in use: its mean reward on the
 * held-out feedback must not be lower (a tie passes: "not worse"), and, when
 * LoCoMo validation ran, its evidence F1 there may be at most
 * `LOCOMO_TOLERANCE` lower. The reason says which numbers decided, in words
 * the Learning screen shows.
 */
export function promotionDecision(scores: { current: Scores; candidate: Scores }, heldOut: number): { promote: boolean; reason: string } {
  const [candidate, current] = [scores.candidate[HELD_OUT_REWARD], scores.current[HELD_OUT_REWARD]];
  const heldOutOk = candidate !== undefined && current !== undefined && candidate >= current;
  const reasons = [`held-out reward ${fmt(candidate)} ${heldOutOk ? '≥' : '<'} current ${fmt(current)} on ${heldOut} held-out episode(s)`];
  let locomoOk = true;
  if (scores.candidate[LOCOMO_SCORE] !== undefined) {
    const [lc, lp] = [scores.candidate[LOCOMO_SCORE], scores.current[LOCOMO_SCORE] ?? 0];
    locomoOk = lc >= lp - LOCOMO_TOLERANCE;
    reasons.push(`LoCoMo validation evidence F1 ${fmt(lc)} ${locomoOk ? '≥' : '<'} current ${fmt(lp)} − ${LOCOMO_TOLERANCE}`);
  }
  return { promote: heldOutOk && locomoOk, reason: reasons.join('; ') };
}
