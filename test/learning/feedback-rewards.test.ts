import { describe, expect, it } from 'vitest';
import { isHeldOut, latestSignals, splitSamples } from '../../models/learning/dataset.js';
import { bernoulliLogProb, categoricalLogProb } from '../../models/learning/log-probs.js';
import { answerSample, managerSample, supportingCandidates, type AnswerEpisode, type ManagerEpisode } from '../../models/learning/feedback-rewards.js';
import { answerReward, managerReward } from '../../models/learning/samples.js';
import type { FeedbackRecord } from '../../models/memory/feedback-log.js';

const common = { id: 'e', at: '2025-01-01T00:00:00.000Z', turn_id: 't', policy_version: 'prior', log_prob: -1, state_features: new Float32Array(2) };

/** A manager episode with 3 related memories: actions ADD, NOOP, UPDATE(0..2), DELETE(0..2). */
function managerEpisode(taken: number): ManagerEpisode {
  const related = [0, 1, 2].map((i) => ({ id: `m${i}`, text: `The user lives in city ${i}.` }));
  return { ...common, agent: 'manager', target_id: 'op-1', features: new Float32Array(8 * 3), prior: new Float32Array(8), action: [taken], context: { fact: 'The user lives in Porto.', related } };
}

const signal = (kind: FeedbackRecord['kind'], value: number, payload: FeedbackRecord['payload'] = null, at = '2025-01-02T00:00:00.000Z'): FeedbackRecord => ({ id: `f-${kind}-${at}`, at, kind, target_id: 'op-1', value, payload });

/** Five candidates; the user saw a reply built from the first four. */
const answerEpisode: AnswerEpisode = {
  ...common,
  agent: 'answer',
  target_id: 'msg-1',
  features: new Float32Array(5 * 2),
  prior: new Float32Array(5),
  action: [1, 1, 1, 1, 0],
  context: {
    question: 'Where do I live?',
    candidates: [
      { id: 'a', text: 'The user lives in Porto.' },
      { id: 'b', text: 'The user has a dog called Rex.' },
      { id: 'c', text: 'The user drinks green tea.' },
      { id: 'd', text: 'The user plays chess on Sundays.' },
      { id: 'e', text: 'The user visited Kyoto in May.' },
    ],
  },
};

const ONLY_A = [1, 0, 0, 0, 0];
const AS_SHOWN = [1, 1, 1, 1, 0];
const ONLY_E = [0, 0, 0, 0, 1];
const NONE = [0, 0, 0, 0, 0];

describe('feedback as rewards (hand-checked)', () => {
  it('manager: accepted +1 and rejected −1 on the taken action, 0 elsewhere', () => {
    expect(managerSample(managerEpisode(0), signal('op_accepted', 1)).rewards).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
    const rejectedDelete = managerSample(managerEpisode(5), signal('op_rejected', -1));
    expect(rejectedDelete.rewards).toEqual([0, 0, 0, 0, 0, -1, 0, 0]);
    expect([managerReward(rejectedDelete, 5), managerReward(rejectedDelete, 0)]).toEqual([-1, 0]);
  });

  it('manager: an edit is worth 0 itself and names the better action (+1)', () => {
    // The text rewritten: the UPDATE(0) was the right choice, with other words.
    expect(managerSample(managerEpisode(2), signal('op_edited', 0, { text: 'The user lives in Porto, Portugal.' })).rewards).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
    // The UPDATE's memory written back to what it said before: it should not have changed, NOOP was better.
    expect(managerSample(managerEpisode(2), signal('op_edited', 0, { text: 'the user lives in city 0' })).rewards).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    expect(managerSample(managerEpisode(0), signal('op_edited', 0, { text: 'The user lives in Porto now.' })).rewards).toEqual([1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('answer: a thumb times the overlap (Jaccard) with the kept set the user rated', () => {
    const up = answerSample(answerEpisode, signal('answer_up', 1));
    expect([AS_SHOWN, ONLY_A, ONLY_E, NONE].map((mask) => answerReward(up, mask))).toEqual([1, 0.25, 0, 0]);
    const down = answerSample(answerEpisode, signal('answer_down', -1));
    expect([AS_SHOWN, ONLY_A, ONLY_E, NONE].map((mask) => answerReward(down, mask))).toEqual([-1, -0.25, 0, 0]);
  });

  it('answer: a correction is a thumbs down plus F1 against the candidates that support the corrected answer', () => {
    const corrected = answerSample(answerEpisode, signal('answer_corrected', -1, { correction: 'No, I live in Porto now.' }));
    expect(corrected.terms).toEqual([
      { weight: -1, measure: 'jaccard', ids: ['a', 'b', 'c', 'd'] },
      { weight: 1, measure: 'f1', ids: ['a'] },
    ]);
    // As shown: −1 + F1(4 kept, 1 right) = −1 + 0.4; the supported one alone: −1/4 + 1.
    expect(answerReward(corrected, AS_SHOWN)).toBeCloseTo(-0.6, 10);
    expect(answerReward(corrected, ONLY_A)).toBeCloseTo(0.75, 10);
    expect(answerReward(corrected, NONE)).toBe(0);
    // A correction nothing supports is a thumbs down.
    expect(answerSample(answerEpisode, signal('answer_corrected', -1, { correction: 'I have never been abroad.' })).terms).toHaveLength(1);
  });

  it('for the gate: the taken operation with its reward and recorded log-probability; each judged keep with the acting policy\'s keep log-probability', () => {
    expect(managerSample(managerEpisode(2), signal('op_rejected', -1)).outcomes).toEqual([{ action: 2, reward: -1, behaviourLogProb: -1 }]);
    const logits = [0, Math.log(3), 0, 0, 5];
    const corrected = answerSample(answerEpisode, signal('answer_corrected', -1, { correction: 'I live in Porto.' }), logits);
    // The four kept earn the thumb (-1); the supporting candidate "a" earns +1 instead.
    expect(corrected.outcomes).toEqual([
      { action: 0, reward: 1, behaviourLogProb: Math.log(0.5) },
      { action: 1, reward: -1, behaviourLogProb: expect.closeTo(Math.log(0.75), 10) },
      { action: 2, reward: -1, behaviourLogProb: Math.log(0.5) },
      { action: 3, reward: -1, behaviourLogProb: Math.log(0.5) },
    ]);
    expect(answerSample(answerEpisode, signal('answer_up', 1)).outcomes).toBeUndefined();
  });

  it("support: a candidate sharing more than half of the correction's content words, or of its own, with it", () => {
    const candidates = [{ text: 'The user lives in Porto.' }, { text: 'The user lives in Lisbon.' }, { text: 'Porto is lovely.' }, { text: 'Porto.' }];
    // {live, porto}: the Lisbon memory shares only "live", "Porto is lovely" only "porto" (half of each).
    expect(supportingCandidates('I live in Porto', candidates)).toEqual([candidates[0], candidates[3]]);
  });
});

describe('the data a run learns from', () => {
  it('the latest signal per target counts; the split is stable and holds out about one in five', () => {
    const latest = latestSignals([signal('op_edited', 0, null, '2025-01-03T00:00:00.000Z'), signal('op_accepted', 1, null, '2025-01-02T00:00:00.000Z')]);
    expect([...latest.values()].map((s) => s.kind)).toEqual(['op_edited']);
    const ids = Array.from({ length: 2000 }, (_, i) => `op-${i}`);
    const heldOut = ids.filter(isHeldOut).length / ids.length;
    expect(heldOut).toBeGreaterThan(0.17);
    expect(heldOut).toBeLessThan(0.23);
    expect(ids.filter(isHeldOut)).toEqual(ids.filter(isHeldOut));
  });

  it('too little feedback is a reason to skip, in words, with about how many more reviews it takes', () => {
    const split = splitSamples([{ id: 'op-1' }, { id: 'op-2' }], 'Review more operations.');
    expect(split).toEqual({
      ok: false,
      reason: expect.stringMatching(/^too little feedback: 2 labelled episode\(s\), \d to learn from and \d of your reviews held out to judge the result; an update needs at least 4 and 8 \(about \d+ more reviews: one in 5 is held out\)\. Review more operations\.$/),
    });
  });

  it('needs 8 of the user\'s reviews held out; self-checks never make more than a quarter of the held-out set', () => {
    const heldOut = (prefix: string, n: number) => Array.from({ length: 400 }, (_, i) => `${prefix}${i}`).filter(isHeldOut).slice(0, n);
    const train = Array.from({ length: 40 }, (_, i) => `t${i}`).filter((id) => !isHeldOut(id)).slice(0, 4).map((id) => ({ id }));
    const reviews = heldOut('r', 9).map((id) => ({ id }));
    const checks = heldOut('self-check:', 20).map((id) => ({ id, selfCheck: true }));
    expect(splitSamples([...train, ...reviews.slice(0, 7), ...checks], '').ok).toBe(false);
    const split = splitSamples([...train, ...reviews, ...checks], '');
    expect(split.ok && split.data.heldOut.filter((s) => 'selfCheck' in s).length).toBe(3);
    expect(split.ok && split.data.heldOut.length).toBe(12);
  });
});

describe("the behaviour policy's log-probability, recorded with each episode", () => {
  it('is exact for moderate logits and finite for extreme ones', () => {
    expect(categoricalLogProb([0, Math.log(3)], 0)).toBeCloseTo(Math.log(0.25), 10);
    expect(categoricalLogProb([1000, -1000], 1)).toBe(-2000);
    expect(bernoulliLogProb([0, Math.log(3)], [1, 0])).toBeCloseTo(Math.log(0.5) + Math.log(0.25), 10);
    expect(bernoulliLogProb([-800, 800], [1, 1])).toBeCloseTo(-800, 6);
  });
});
