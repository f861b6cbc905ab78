import { describe, expect, it } from 'vitest';
import { MAX_ANSWER_CHARS, MAX_SELECTED, parseAnswer } from '../../models/agents/parse-answer.js';

describe('parseAnswer', () => {
  it("reads the paper's format: selected memories, then **Answer:**", () => {
    const reply = [
      'Relevant memories:',
      '- 1:56 pm on 8 May, 2023: "Caroline went to an LGBTQ support group on 7 May 2023."',
      '- 1:14 pm on 25 May, 2023: "Caroline felt accepted at the group."',
      '**Answer:** 7 May 2023',
    ].join('\n');
    expect(parseAnswer(reply)).toEqual({
      answer: '7 May 2023',
      selected: ['1:56 pm on 8 May, 2023: "Caroline went to an LGBTQ support group on 7 May 2023."', '1:14 pm on 25 May, 2023: "Caroline felt accepted at the group."'],
    });
  });

  it('accepts marker variants and ignores lines after the answer', () => {
    const cases: Array<[string, string]> = [
      ['**Answer**: Boston', 'Boston'],
      ['Answer: Boston\nExplanation: she moved there in 2022.', 'Boston'],
      ['answer - Boston', 'Boston'],
      ['Final answer: **Boston**', 'Boston'],
      ['### Answer\n\n"Boston"\nmore text', 'Boston'],
      ['**Answer:**\n  Boston  \n', 'Boston'],
      ['1. 8 May, 2023: "x"\n**ANSWER:** `Boston`', 'Boston'],
    ];
    for (const [reply, answer] of cases) expect(parseAnswer(reply).answer, reply).toBe(answer);
  });

  it('strips numbered and bulleted list marks from the selected lines, and drops headings', () => {
    const reply = 'Selected memories:\n1. 8 May, 2023: "a"\n2) 9 May, 2023: "b"\n* 10 May, 2023: "c"\n\n**Answer:** x';
    expect(parseAnswer(reply).selected).toEqual(['8 May, 2023: "a"', '9 May, 2023: "b"', '10 May, 2023: "c"']);
  });

  it(`keeps at most ${MAX_SELECTED} selected lines and caps a rambling answer`, () => {
    const lines = Array.from({ length: 80 }, (_, i) => `- memory ${i}`);
    const parsed = parseAnswer(`${lines.join('\n')}\n**Answer:** ${'word '.repeat(200)}`);
    expect(parsed.selected).toHaveLength(MAX_SELECTED);
    expect(parsed.answer.length).toBeLessThanOrEqual(MAX_ANSWER_CHARS);
    expect(parsed.reason).toBe('answer cut to 300 characters');
  });

  it('takes a one-line reply without a marker as the answer, saying so', () => {
    expect(parseAnswer('Boston')).toEqual({ answer: 'Boston', selected: [], reason: 'no "**Answer:**" marker; took the one-line reply as the answer' });
  });

  it('gives an empty answer and a reason when there is none', () => {
    expect(parseAnswer('')).toEqual({ answer: '', selected: [], reason: 'empty reply' });
    expect(parseAnswer('Relevant memories:\n- 8 May, 2023: "a"\n- 9 May')).toEqual({
      answer: '',
      selected: ['8 May, 2023: "a"', '9 May'],
      reason: 'no "**Answer:**" line in the reply',
    });
    expect(parseAnswer('Relevant memories:\n- x\n**Answer:**')).toEqual({ answer: '', selected: ['x'], reason: 'nothing after "**Answer:**"' });
    expect(parseAnswer('Relevant memories:')).toMatchObject({ answer: '', reason: 'no "**Answer:**" line in the reply' });
    expect(parseAnswer('x'.repeat(100_001))).toMatchObject({ answer: '', reason: expect.stringMatching(/too long/) });
  });
});
