import { describe, expect, it } from 'vitest';
import { actionIndex, FORBIDDEN_LOGIT, MANAGER_FEATURE_DIM, managerActions, managerState, PRIOR_CONFIDENCE, priorChoice, type FactView, type ManagerAction, type RelatedMemory } from '../../models/agents/manager-state.js';

const unit = (...xs: number[]) => {
  const v = Float32Array.from(xs);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const fact: FactView = { text: 'Ines now lives in Porto.', vector: unit(1, 0.2, 0), subject: 'Ines', time: '2024-05-01T00:00:00Z' };
const related: RelatedMemory[] = [
  { id: 'a', text: 'Ines lives in Lisbon.', vector: unit(1, 0, 0), subject: 'Ines', event_time: '2023-01-01T00:00:00Z', score: 0.9 },
  { id: 'b', text: 'Ines likes tea.', vector: unit(0, 1, 0), subject: 'Ines', event_time: null, score: 0.4 },
];
/** The prior-flag column of every action row. */
/** The prior-flag column of every action row: it stands before the 4 global signals at the end of each row. */
const flags = (features: Float32Array) => managerActions(related.length).map((_, row) => features[(row + 1) * MANAGER_FEATURE_DIM - 5]);

/** An LLM's log-probabilities over the 2 + 2K actions, most of the mass on `action`. */
function logProbPrior(action: ManagerAction): Float32Array {
  const n = managerActions(related.length).length;
  const p = new Float32Array(n).fill(0.1 / (n - 1));
  p[actionIndex(action, related.length)] = 0.9;
  return p.map(Math.log);
}

describe('the manager state means the same under a fixed-confidence prior and a log-probability prior', () => {
  it('flags the prior\'s choice under the fixed confidence (+3 on it, 0 elsewhere)', () => {
    const update: ManagerAction = { kind: 'UPDATE', index: 0 };
    const state = managerState(fact, related, update);
    expect(PRIOR_CONFIDENCE).toBe(3);
    expect(Array.from(state.prior)).toEqual([0, 0, 3, 0, 0, 0]);
    expect(flags(state.features)).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it('gives the same features for log-probabilities peaked on the same action (all negative: a sign test would flag nothing)', () => {
    for (const action of [{ kind: 'UPDATE', index: 0 }, { kind: 'NOOP' }, { kind: 'DELETE', index: 1 }] as ManagerAction[]) {
      const fixed = managerState(fact, related, action);
      const logProbs = managerState(fact, related, logProbPrior(action));
      expect(Array.from(logProbs.prior).every((x) => x < 0)).toBe(true);
      expect(Array.from(logProbs.features)).toEqual(Array.from(fixed.features));
      // The policy's logits start from the prior, so its preference holds under both.
      expect(priorChoice(logProbs.prior)).toBe(actionIndex(action, related.length));
    }
  });

  it('flags nothing when the prior chose a forbidden ADD in a full bank (the rest tie: no preference)', () => {
    const fixed = managerState(fact, related, { kind: 'ADD' }, PRIOR_CONFIDENCE, true);
    expect(fixed.prior[0]).toBe(FORBIDDEN_LOGIT);
    expect(flags(fixed.features)).toEqual([0, 0, 0, 0, 0, 0]);
    const logProbs = managerState(fact, related, logProbPrior({ kind: 'ADD' }), PRIOR_CONFIDENCE, true);
    expect(flags(logProbs.features)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('finds a unique best prior logit, and none on a tie', () => {
    expect(priorChoice([-2, -0.1, -5])).toBe(1);
    expect(priorChoice([0, 3, 0, 0])).toBe(1);
    expect(priorChoice([1, 1, 0])).toBe(-1);
    expect(priorChoice([])).toBe(-1);
  });
});
