import { describe, expect, it } from 'vitest';
import { MAX_FACTS, parseFacts } from '../../models/agents/parse-facts.js';

describe('parseFacts', () => {
  it("reads Mem0's {\"facts\": [...]}", () => {
    expect(parseFacts('{"facts": ["Caroline went to an LGBTQ support group on 7 May 2023.", "Melanie plans to paint a sunrise."]}')).toEqual({
      facts: ['Caroline went to an LGBTQ support group on 7 May 2023.', 'Melanie plans to paint a sunrise.'],
    });
  });

  it('reads an empty list as nothing to remember, without a reason', () => {
    expect(parseFacts('{"facts": []}')).toEqual({ facts: [] });
  });

  it('reads fenced, prose-wrapped, single-quoted replies with trailing commas', () => {
    const reply = "Sure! Here are the facts:\n```json\n{\n  'facts': [\n    'Jon lost his job as a banker.',\n    'Jon wants to open a dance studio.',\n  ],\n}\n```\nI hope this helps.";
    expect(parseFacts(reply)).toEqual({ facts: ['Jon lost his job as a banker.', 'Jon wants to open a dance studio.'] });
  });

  it('reads a bare list', () => {
    expect(parseFacts('["Gina opened an online clothing store."]')).toEqual({ facts: ['Gina opened an online clothing store.'] });
  });

  it('drops non-strings, empty and over-long facts and duplicates, and says so', () => {
    const reply = JSON.stringify({ facts: ['Caroline has a dog.', 'caroline  has a DOG.', 42, null, '  ', ['nested'], 'x'.repeat(1_001), 'Melanie\nruns.'] });
    expect(parseFacts(reply)).toEqual({
      facts: ['Caroline has a dog.', 'Melanie runs.'],
      reason: 'dropped 5 unusable (not text, empty, or too long); dropped 1 duplicate',
    });
  });

  it(`keeps at most ${MAX_FACTS} facts`, () => {
    const facts = Array.from({ length: 60 }, (_, i) => `Fact number ${i}.`);
    const parsed = parseFacts(JSON.stringify({ facts }));
    expect(parsed.facts).toEqual(facts.slice(0, MAX_FACTS));
    expect(parsed.reason).toBe('kept the first 50 facts, dropped 10');
  });

  it('gives no facts and a reason for unusable replies', () => {
    for (const [reply, reason] of [
      ['There is nothing to remember here.', /no facts found \(no JSON/],
      ['{"facts": ["Caroline has a d', /cut off/],
      ['{"facts": "Caroline has a dog."}', /expected \{"facts": \[\.\.\.\]\}/],
      ['{"memories": ["x"]}', /not in the expected format/],
      ['x'.repeat(100_001), /too long/],
    ] as const) {
      const parsed = parseFacts(reply);
      expect(parsed.facts).toEqual([]);
      expect(parsed.reason).toMatch(reason);
    }
  });
});
