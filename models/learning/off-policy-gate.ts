import { mulberry32 } from '../util/seeded-random.js';
import type { KnownOutcome } from './samples.js';

/**
 * An importance weight's ceiling: a candidate that makes a judged action 5×
 * likelier than the policy that acted counts it 5×, not 500× (clipped,
 * self-normalised importance sampling keeps the estimate's variance bounded
 * on a handful of reviews).
 */
export const MAX_IMPORTANCE_WEIGHT = 5;
/** The score the Learning curves and run records show for a policy: its off-policy value on the held-out feedback. */
export const HELD_OUT_VALUE = 'heldout_value';
/** Resamples of the paired bootstrap. */
export const BOOTSTRAP_RESAMPLES = 2000;
/** How sure the gate must be that the candidate is better: the bootstrap's one-sided lower bound at 90 %. */
export const GATE_CONFIDENCE = 0.9;

/** One held-out sample as the gate sees it: what the feedback judged, and each policy's log-probability of those actions. */
export interface JudgedSample {
  outcomes: readonly KnownOutcome[];
  /** log π(action) of each outcome under the version in use. */
  current: readonly number[];
  /** The same under the candidate. */
  candidate: readonly number[];
  /** The app's own check (an answer self-check), not a user's review. */
  selfCheck?: boolean;
}

/** What the gate measured: each policy's off-policy value on the held-out feedback and how sure the difference is. */
export interface GateEvidence {
  /** Held-out samples that judged anything, and how many of them are the user's own reviews. */
  samples: number;
  reviews: number;
  current: number;
  candidate: number;
  /** The candidate's lead (candidate − current) on the held-out samples as drawn. */
  lead: number;
  /** The lead's one-sided lower bound at `GATE_CONFIDENCE` over bootstrap resamples of the samples. */
  leadLowerBound: number;
}

/** One sample's weighted reward sum and weight sum under one policy (its share of the self-normalised estimate). */
interface Sums {
  weighted: number;
  total: number;
}

function sums(sample: JudgedSample, which: 'current' | 'candidate'): Sums {
  let weighted = 0;
  let total = 0;
  sample.outcomes.forEach((outcome, j) => {
    const weight = Math.min(MAX_IMPORTANCE_WEIGHT, Math.exp(sample[which][j]! - outcome.behaviourLogProb));
    weighted += weight * outcome.reward;
    total += weight;
  });
  return { weighted, total };
}

function ratio(parts: readonly Sums[], indices: Iterable<number>): number {
  let weighted = 0;
  let total = 0;
  for (const i of indices) [weighted, total] = [weighted + parts[i]!.weighted, total + parts[i]!.total];
  return total > 0 ? weighted / total : 0;
}

/**
 * A policy's value on judged samples by self-normalised importance sampling:
 * Σ w·r / Σ w over every judged action, w = min(π(a) / μ(a), MAX), μ being
 * the policy that acted. Only judged actions count, so a candidate earns
 * nothing for an action nobody reviewed (moving away from a rejected
 * operation to anything else is no win by itself), and self-normalising
 * means it must move probability toward what the user approved.
 */
export function offPolicyValue(samples: readonly JudgedSample[], which: 'current' | 'candidate'): number {
  return ratio(samples.map((s) => sums(s, which)), samples.keys());
}

/**
 * The candidate against the version in use on the same held-out samples,
 * with a paired bootstrap (samples resampled with replacement, both values
 * recomputed on each resample) for the lower bound of the candidate's lead.
 * Seeded, so a run's decision can be reproduced.
 */
export function gateEvidence(samples: readonly JudgedSample[], seed = 7): GateEvidence {
  const judged = samples.filter((s) => s.outcomes.length > 0);
  const current = judged.map((s) => sums(s, 'current'));
  const candidate = judged.map((s) => sums(s, 'candidate'));
  const random = mulberry32(seed);
  const leads: number[] = [];
  for (let b = 0; b < BOOTSTRAP_RESAMPLES && judged.length; b++) {
    const draw = Array.from(judged, () => Math.floor(random() * judged.length));
    leads.push(ratio(candidate, draw) - ratio(current, draw));
  }
  leads.sort((a, b) => a - b);
  const values = { current: ratio(current, judged.keys()), candidate: ratio(candidate, judged.keys()) };
  return {
    samples: judged.length,
    reviews: judged.filter((s) => !s.selfCheck).length,
    ...values,
    lead: values.candidate - values.current,
    leadLowerBound: leads.length ? leads[Math.floor((1 - GATE_CONFIDENCE) * leads.length)]! : 0,
  };
}
