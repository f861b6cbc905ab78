import { describe, expect, it } from 'vitest';
import { parseUpdateDecision } from '../../models/agents/parse-update-decision.js';

const IDS = ['6f1c0b7e-2f4d-4b8e-9a51-0c3b1f2d7e11', 'a93e5d20-7c41-4f0a-8b6e-5d2c9e8f4a07', 'c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f'];
const [FIRST, SECOND, THIRD] = IDS as [string, string, string];

describe('parseUpdateDecision: JSON replies', () => {
  it('reads the four events and maps NONE to NOOP', () => {
    expect(parseUpdateDecision('{"event": "ADD", "text": "Jon is allergic to cats."}', IDS)).toEqual({ event: 'ADD' });
    expect(parseUpdateDecision('{"event": "UPDATE", "id": "1", "text": "Melanie loves camping in the mountains."}', IDS)).toEqual({
      event: 'UPDATE',
      targetId: SECOND,
      text: 'Melanie loves camping in the mountains.',
    });
    expect(parseUpdateDecision('{"event": "DELETE", "id": "2", "text": "Melanie hates camping."}', IDS)).toEqual({ event: 'DELETE', targetId: THIRD });
    expect(parseUpdateDecision('{"event": "NONE", "id": "0", "text": "Caroline has a dog."}', IDS)).toEqual({ event: 'NOOP' });
  });

  it('reads a fenced, prose-wrapped reply as small models write it', () => {
    const reply = [
      'The new fact adds detail to memory 0, so I will update it.',
      '```json',
      '{',
      '  "event": "UPDATE",',
      '  "id": "0",',
      '  "text": "Caroline has two dogs; she adopted Max on 3 June 2023."',
      '}',
      '```',
      'This keeps the date.',
    ].join('\n');
    expect(parseUpdateDecision(reply, IDS)).toEqual({ event: 'UPDATE', targetId: FIRST, text: 'Caroline has two dogs; she adopted Max on 3 June 2023.' });
  });

  it('accepts lower case, spacing variants, numeric ids, single quotes and trailing commas', () => {
    expect(parseUpdateDecision("{'event': 'update', 'id': 2, 'text': 'Caroline's dog is Max.',}", IDS)).toEqual({ event: 'UPDATE', targetId: THIRD, text: "Caroline's dog is Max." });
    expect(parseUpdateDecision('{"event": " Delete ", "id": 0}', IDS)).toEqual({ event: 'DELETE', targetId: FIRST });
    expect(parseUpdateDecision('{"event": "no-op"}', IDS)).toEqual({ event: 'NOOP' });
    expect(parseUpdateDecision('{"event": "No Change"}', IDS)).toEqual({ event: 'NOOP' });
    expect(parseUpdateDecision('{"action": "DELETE", "memory_id": "1"}', IDS)).toEqual({ event: 'DELETE', targetId: SECOND });
  });

  it('accepts the real id copied verbatim', () => {
    expect(parseUpdateDecision(`{"event": "DELETE", "id": "${THIRD}"}`, IDS)).toEqual({ event: 'DELETE', targetId: THIRD });
  });

  it("accepts a list or Mem0's {\"memory\": [...]} holding one decision", () => {
    expect(parseUpdateDecision('[{"event": "DELETE", "id": "1"}]', IDS)).toEqual({ event: 'DELETE', targetId: SECOND });
    expect(parseUpdateDecision('{"memory": [{"id": "0", "text": "x", "event": "UPDATE"}]}', IDS)).toEqual({ event: 'UPDATE', targetId: FIRST, text: 'x' });
  });

  it('cleans the merged text to one line', () => {
    expect(parseUpdateDecision('{"event": "UPDATE", "id": "0", "text": "  Caroline has\\ntwo   dogs.\\u0000 "}', IDS)).toEqual({ event: 'UPDATE', targetId: FIRST, text: 'Caroline has two dogs.' });
  });
});

describe('parseUpdateDecision: unusable replies become NOOP with a reason', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['UPDATE with an unknown short id', '{"event": "UPDATE", "id": "7", "text": "x"}', /unknown memory id "7"/],
    ['DELETE with an unknown real id', '{"event": "DELETE", "id": "00000000-0000-0000-0000-000000000000"}', /unknown memory id/],
    ['UPDATE with a negative id', '{"event": "UPDATE", "id": -1, "text": "x"}', /unknown memory id "-1"/],
    ['UPDATE without id', '{"event": "UPDATE", "text": "x"}', /UPDATE without a memory id/],
    ['DELETE with an empty id', '{"event": "DELETE", "id": ""}', /DELETE without a memory id/],
    ['UPDATE without text', '{"event": "UPDATE", "id": "1"}', /UPDATE without usable merged text \(no text\)/],
    ['UPDATE with empty text', '{"event": "UPDATE", "id": "1", "text": "   "}', /text is empty/],
    ['UPDATE with a number as text', '{"event": "UPDATE", "id": "1", "text": 42}', /text is a number/],
    ['UPDATE with over-long text', `{"event": "UPDATE", "id": "1", "text": "${'x'.repeat(1_001)}"}`, /1,001 characters/],
    ['an unknown event', '{"event": "MERGE", "id": "1"}', /unknown event "MERGE"/],
    ['an event that is not a string', '{"event": 3}', /event: Invalid input/],
    ['an id that is a list', '{"event": "DELETE", "id": [1]}', /id: Invalid input/],
    ['no event at all', '{"id": "1", "text": "x"}', /no decision found/],
    ['cut-off JSON', '{"event": "UPDATE", "id": "1", "text": "Caroline mov', /cut off/],
    ['prose only', 'I am not sure what to do with this fact.', /no line starting with ADD/],
    ['an empty reply', '', /no decision found/],
    ['too long', 'x'.repeat(100_001), /too long/],
  ];
  for (const [name, reply, reason] of cases) {
    it(name, () => {
      const decision = parseUpdateDecision(reply, IDS);
      expect(decision.event).toBe('NOOP');
      expect(decision.event === 'NOOP' && decision.reason).toMatch(reason);
    });
  }

  it('refuses UPDATE / DELETE when no memories were shown', () => {
    expect(parseUpdateDecision('{"event": "DELETE", "id": "0"}', [])).toMatchObject({ event: 'NOOP', reason: expect.stringMatching(/unknown memory id/) });
    expect(parseUpdateDecision('{"event": "ADD"}', [])).toEqual({ event: 'ADD' });
  });
});

describe('parseUpdateDecision: bare-word replies', () => {
  const cases: Array<[string, unknown]> = [
    ['ADD', { event: 'ADD' }],
    ['add', { event: 'ADD' }],
    ['ADD: Jon is allergic to cats.', { event: 'ADD' }],
    ['NONE', { event: 'NOOP' }],
    ['No-op', { event: 'NOOP' }],
    ['Event: NONE', { event: 'NOOP' }],
    ['DELETE 1', { event: 'DELETE', targetId: SECOND }],
    ['**DELETE** [2]', { event: 'DELETE', targetId: THIRD }],
    ['delete memory #0.', { event: 'DELETE', targetId: FIRST }],
    ['UPDATE 2 Caroline moved to Boston in 2022.', { event: 'UPDATE', targetId: THIRD, text: 'Caroline moved to Boston in 2022.' }],
    ['UPDATE 0: "Caroline has two dogs."', { event: 'UPDATE', targetId: FIRST, text: 'Caroline has two dogs.' }],
    ['Decision: update id=1 -> Melanie loves hiking.', { event: 'UPDATE', targetId: SECOND, text: 'Melanie loves hiking.' }],
    ['Let me think.\nThe memory says the same.\n\nNONE', { event: 'NOOP' }],
    ['UPDATE\r\n', { event: 'NOOP', reason: 'UPDATE without a memory id' }],
    ['UPDATE 1', { event: 'NOOP', reason: 'UPDATE without usable merged text (text is empty)' }],
    ['DELETE 9', { event: 'NOOP', reason: 'DELETE of unknown memory id "9"' }],
  ];
  for (const [reply, expected] of cases) {
    it(JSON.stringify(reply), () => expect(parseUpdateDecision(reply, IDS)).toEqual(expected));
  }

  it('takes a bare word after JSON that is not a decision', () => {
    expect(parseUpdateDecision('Memories [0] and [1] differ.\nADD', IDS)).toEqual({ event: 'ADD' });
  });
});
