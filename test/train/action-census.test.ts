import { describe, expect, it } from 'vitest';
import type { EmbeddedConversation } from '../../models/eval/bank/embedded-conversation.js';
import type { SimFact } from '../../models/eval/bank/sim-bank.js';
import { actionCensus } from '../../models/train/locomo/action-census.js';

const topic = (i: number) => Float32Array.from({ length: 8 }, (_, j) => (j === i ? 1 : 0));
const fact = (text: string, subject: string, topicIndex: number, source: string): SimFact => ({ text, subject, vector: topic(topicIndex), time: null, sources: [source] });

/** Ines's cat, Omar's cello, the cat told again; one question on each, all in one session. */
const conversation: EmbeddedConversation = {
  sampleId: 's',
  speakers: ['Ines', 'Omar'],
  facts: [fact('Ines adopted a cat named Miso.', 'Ines', 0, 'D1:1'), fact('Omar plays the cello in an orchestra.', 'Omar', 1, 'D1:2'), fact('Ines adopted a cat named Miso.', 'Ines', 0, 'D1:3')],
  turns: [],
  questions: [
    { question: { id: 's#0', question: 'What is the name of the cat Ines adopted?', answer: 'Miso', category: 4, evidence: ['D1:1'] }, vector: topic(0) },
    { question: { id: 's#1', question: 'Which instrument does Omar play?', answer: 'cello', category: 4, evidence: ['D1:2'] }, vector: topic(1) },
  ],
};

describe('the census of the manager\'s reward', () => {
  it('counts, per decision, which kind of operation the window reward prefers, leaving out ADD into a full bank', () => {
    // A budget of one memory. The heuristic ADDs the cat, then (full) drops the cello and the repeat: content 0.5.
    // Decision 0: ADD the cat or NOOP (then the cello is ADDed) both end with one answer (tie).
    // Decision 1 (full): merging the cello into the cat's memory keeps both answers (1), NOOP or DELETE one at most (0.5).
    // Decision 2 (full): NOOP and merging the repeat (which changes nothing) tie at 0.5; DELETE loses the cat (0).
    const [census] = actionCensus([conversation], 1 / 3);
    expect(census).toMatchObject({ conversation: 's', decisions: 3, full: 2 });
    expect(census!.kinds).toEqual({
      ADD: { strictly_best: 0, ties_best: 1, beats_heuristic: 0 },
      UPDATE: { strictly_best: 1, ties_best: 1, beats_heuristic: 1 },
      DELETE: { strictly_best: 0, ties_best: 0, beats_heuristic: 0 },
      NOOP: { strictly_best: 0, ties_best: 2, beats_heuristic: 0 },
    });
  });
});
