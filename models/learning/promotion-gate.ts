import { MIN_HELD_OUT } from './dataset.js';
import { LOCOMO_SCORE, LOCOMO_TOLERANCE } from './locomo-validation.js';
import { GATE_CONFIDENCE, type GateEvidence } from './off-policy-gate.js';
import type { Scores } from './update-job.js';

/** What the gate reads about a candidate. */
export interface GateInput {
  /** The candidate against the policy in use on the held-out feedback. */
  evidence: GateEvidence;
  /** With LoCoMo: the candidate's and the base version's (the anchor's) validation scores. */
  locomo?: { base: string; anchor: Scores; candidate: Scores };
}

const fmt = (x: number | undefined) => (x ?? Number.NaN).toFixed(3);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;

/**
 * Whether a candidate may replace the policy in use. It must be judged on at
 * least `MIN_HELD_OUT` of the user's own held-out reviews and be better than
 * the policy in use there with 90 % confidence (the paired bootstrap's lower
 * bound of its lead above 0: a tie fails). With LoCoMo its validation
 * evidence F1 may be at most `LOCOMO_TOLERANCE` below the base version's, a
 * fixed anchor, so promotions cannot add up to a drift. The reason says which
 * numbers decided, in words the Learning screen shows.
 */
export function promotionDecision({ evidence, locomo }: GateInput): { promote: boolean; reason: string } {
  const checks = evidence.samples - evidence.reviews;
  const judgedOn = `${evidence.reviews} held-out review(s)${checks ? ` and ${checks} self-check(s)` : ''}`;
  if (evidence.reviews < MIN_HELD_OUT) {
    return { promote: false, reason: `judged on only ${judgedOn}; a candidate needs at least ${MIN_HELD_OUT} of your reviews held out` };
  }
  const sure = evidence.leadLowerBound > 0;
  const reasons = [
    `on ${judgedOn} the candidate scores ${fmt(evidence.candidate)} against ${fmt(evidence.current)} for the version in use; ` +
      `with ${Math.round(GATE_CONFIDENCE * 100)} % confidence its lead is at least ${signed(evidence.leadLowerBound)}${sure ? '' : ', so it is not shown to be better'}`,
  ];
  let locomoOk = true;
  if (locomo) {
    const [candidate, anchor] = [locomo.candidate[LOCOMO_SCORE] ?? 0, locomo.anchor[LOCOMO_SCORE] ?? 0];
    locomoOk = candidate >= anchor - LOCOMO_TOLERANCE;
    reasons.push(`LoCoMo validation evidence F1 ${fmt(candidate)} ${locomoOk ? '≥' : '<'} the base version ${locomo.base}'s ${fmt(anchor)} − ${LOCOMO_TOLERANCE}`);
  }
  return { promote: sure && locomoOk, reason: reasons.join('; ') };
}
