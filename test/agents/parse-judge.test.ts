import { describe, expect, it } from 'vitest';
import { parseJudge } from '../../models/agents/parse-judge.js';

describe('parseJudge', () => {
  const usable: Array<[string, 'CORRECT' | 'WRONG']> = [
    ['{"label": "CORRECT"}', 'CORRECT'],
    ['{"label": "WRONG"}', 'WRONG'],
    ['```json\n{"label": "correct"}\n```', 'CORRECT'],
    ["The generated answer names the same date. {'label': 'Correct',}", 'CORRECT'],
    ['{"reasoning": "different city", "label": "Incorrect"}', 'WRONG'],
    ['The answer refers to the same event.\nCORRECT', 'CORRECT'],
    ['It gives another city, so it is WRONG.', 'WRONG'],
    ['Correct.', 'CORRECT'],
    ['**wrong**', 'WRONG'],
    ['label: correct', 'CORRECT'],
  ];
  for (const [reply, label] of usable) {
    it(`reads ${JSON.stringify(reply)}`, () => expect(parseJudge(reply)).toEqual({ label }));
  }

  const unusable: Array<[string, RegExp]> = [
    ['The generated answer is not correct.', /no label found/],
    ['It is CORRECT that the answer is WRONG.', /both CORRECT and WRONG/],
    ['{"label": "MAYBE"}', /unknown label "MAYBE"/],
    ['{"label": 1}', /unusable label: label: Invalid input/],
    ['', /no label found/],
    ['x'.repeat(100_001), /too long/],
  ];
  for (const [reply, reason] of unusable) {
    it(`counts ${JSON.stringify(reply.slice(0, 50))} as WRONG with a reason`, () => {
      const verdict = parseJudge(reply);
      expect(verdict.label).toBe('WRONG');
      expect(verdict.reason).toMatch(reason);
    });
  }
});
