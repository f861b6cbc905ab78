import { describe, expect, it } from 'vitest';
import { LOCOMO_SCORE, LOCOMO_TOLERANCE } from '../../models/learning/locomo-validation.js';
import { gateEvidence, offPolicyValue, type JudgedSample } from '../../models/learning/off-policy-gate.js';
import { promotionDecision } from '../../models/learning/promotion-gate.js';

/** A judged sample from probabilities: each outcome's reward, the acting policy's p, the current's and the candidate's. */
const judged = (outcomes: Array<{ reward: number; behaviour: number; current?: number; candidate: number }>, selfCheck = false): JudgedSample => ({
  outcomes: outcomes.map((o, action) => ({ action, reward: o.reward, behaviourLogProb: Math.log(o.behaviour) })),
  current: outcomes.map((o) => Math.log(o.current ?? o.behaviour)),
  candidate: outcomes.map((o) => Math.log(o.candidate)),
  ...(selfCheck ? { selfCheck: true } : {}),
});

/** Ten held-out reviews of the manager: five ADDs accepted, five DELETEs rejected, each taken with p = 0.6. */
const managerReviews = (candidate: { add: number; del: number }) => [
  ...Array.from({ length: 5 }, () => judged([{ reward: 1, behaviour: 0.6, candidate: candidate.add }])),
  ...Array.from({ length: 5 }, () => judged([{ reward: -1, behaviour: 0.6, candidate: candidate.del }])),
];

const decide = (samples: JudgedSample[]) => promotionDecision({ evidence: gateEvidence(samples) });

describe('the promotion gate: off-policy, paired, and sure', () => {
  it('promotes a candidate that moves probability toward what the user accepted and away from what they rejected', () => {
    const evidence = gateEvidence(managerReviews({ add: 0.9, del: 0.05 }));
    expect(evidence).toMatchObject({ samples: 10, reviews: 10, current: 0 });
    // Self-normalised: (5 · 1.5 − 5 · 0.083) / (5 · 1.5 + 5 · 0.083).
    expect(evidence.candidate).toBeCloseTo((7.5 - 5 / 12) / (7.5 + 5 / 12), 6);
    expect(evidence.leadLowerBound).toBeGreaterThan(0);
    const decision = promotionDecision({ evidence });
    expect(decision.promote).toBe(true);
    expect(decision.reason).toMatch(/^on 10 held-out review\(s\) the candidate scores 0\.895 against 0\.000 for the version in use; with 90 % confidence its lead is at least \+0\.\d{3}$/);
  });

  it('rejects a candidate that DELETEs unrelated memories instead: moving off reviewed actions to unreviewed ones wins nothing', () => {
    // Its greedy action (DELETE of another memory) was never reviewed: a mean over greedy actions would score it 0 against
    // the current 0 and pass it as "not worse"; importance weighting only sees the reviewed actions, now equally unlikely.
    const evidence = gateEvidence(managerReviews({ add: 0.01, del: 0.01 }));
    expect(evidence.candidate).toBeCloseTo(0, 10);
    expect(evidence.leadLowerBound).toBeLessThanOrEqual(0);
    expect(decide(managerReviews({ add: 0.01, del: 0.01 }))).toMatchObject({ promote: false, reason: expect.stringMatching(/not shown to be better$/) });
    // Even where every review was a rejection, abandoning the rejected action for anything else is no win by itself.
    const rejections = Array.from({ length: 10 }, () => judged([{ reward: -1, behaviour: 0.6, candidate: 0.001 }]));
    expect(offPolicyValue(rejections, 'candidate')).toBe(-1);
    expect(decide(rejections).promote).toBe(false);
  });

  it('rejects a candidate trained on flipped feedback, and a tie', () => {
    expect(decide(managerReviews({ add: 0.05, del: 0.9 })).promote).toBe(false);
    expect(decide(managerReviews({ add: 0.6, del: 0.6 }))).toMatchObject({ promote: false });
  });

  it('rejects a keep-everything answer agent: the same weight on every judged keep leaves the value where it was, and self-checks carry a precision term', () => {
    // Eight rated replies: four thumbs up (each kept candidate +1), four down (-1), kept with p = 0.7; two self-checks:
    // the memory +1 (p = 0.8), the 7 others the chat kept -1/8 (p = 0.7). Keep-everything: p = 0.999 for all.
    const rated = (reward: number, candidate: number) => judged(Array.from({ length: 8 }, () => ({ reward, behaviour: 0.7, candidate })));
    const selfCheck = (memory: number, others: number) => judged([{ reward: 1, behaviour: 0.8, candidate: memory }, ...Array.from({ length: 7 }, () => ({ reward: -1 / 8, behaviour: 0.7, candidate: others }))], true);
    const keepAll = [...[1, 1, 1, 1].map((r) => rated(r, 0.999)), ...[-1, -1, -1, -1].map((r) => rated(r, 0.999)), selfCheck(0.999, 0.999), selfCheck(0.999, 0.999)];
    const evidence = gateEvidence(keepAll);
    expect(evidence).toMatchObject({ samples: 10, reviews: 8 });
    expect(evidence.candidate).toBeLessThan(evidence.current);
    expect(promotionDecision({ evidence }).promote).toBe(false);
    // One that keeps what was liked and drops what was not is promoted on the same reviews.
    const consistent = [...[1, 1, 1, 1].map((r) => rated(r, 0.95)), ...[-1, -1, -1, -1].map((r) => rated(r, 0.2)), selfCheck(0.95, 0.5), selfCheck(0.95, 0.5)];
    expect(promotionDecision({ evidence: gateEvidence(consistent) })).toMatchObject({ promote: true, reason: expect.stringMatching(/8 held-out review\(s\) and 2 self-check\(s\)/) });
  });

  it('needs at least 8 of the user\'s own reviews held out (self-checks do not count toward it)', () => {
    const few = [...managerReviews({ add: 0.9, del: 0.05 }).slice(0, 7), judged([{ reward: 1, behaviour: 0.5, candidate: 0.9 }], true)];
    expect(decide(few)).toEqual({ promote: false, reason: 'judged on only 7 held-out review(s) and 1 self-check(s); a candidate needs at least 8 of your reviews held out' });
  });

  it('is seeded: the same samples give the same decision and bound', () => {
    const samples = managerReviews({ add: 0.7, del: 0.5 });
    expect(gateEvidence(samples, 3)).toEqual(gateEvidence(samples, 3));
  });
});

describe('the LoCoMo guard compares with the base version (a fixed anchor), not the version in use', () => {
  const anchor = { [LOCOMO_SCORE]: 0.3 };
  const better = gateEvidence(managerReviews({ add: 0.9, del: 0.05 }));

  it(`refuses a candidate more than ${LOCOMO_TOLERANCE} below the base version`, () => {
    expect(promotionDecision({ evidence: better, locomo: { base: 'v0001', anchor, candidate: { [LOCOMO_SCORE]: 0.295 } } })).toMatchObject({
      promote: true,
      reason: expect.stringMatching(/; LoCoMo validation evidence F1 0\.295 ≥ the base version v0001's 0\.300 − 0\.01$/),
    });
    expect(promotionDecision({ evidence: better, locomo: { base: 'v0001', anchor, candidate: { [LOCOMO_SCORE]: 0.285 } } }).promote).toBe(false);
  });

  it('five promotions in a row, each a little below its parent, cannot lower the score by more than the tolerance in total', () => {
    let inUse = 0.3;
    const promoted: number[] = [];
    for (let run = 0; run < 5; run++) {
      const candidate = inUse - 0.004; // within the tolerance of its parent every time
      if (promotionDecision({ evidence: better, locomo: { base: 'v0001', anchor, candidate: { [LOCOMO_SCORE]: candidate } } }).promote) {
        inUse = candidate;
        promoted.push(candidate);
      }
    }
    expect(promoted.length).toBe(2);
    expect(0.3 - inUse).toBeLessThanOrEqual(LOCOMO_TOLERANCE);
  });
});
