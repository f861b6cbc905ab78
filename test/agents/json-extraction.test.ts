import { describe, expect, it } from 'vitest';
import { extractJson, findJson, isJsonObject } from '../../models/agents/json-extraction.js';

function value(text: string): unknown {
  const result = extractJson(text);
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
  return result.ok ? result.value : undefined;
}

function reason(text: string): string {
  const result = extractJson(text);
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.reason;
}

describe('extractJson', () => {
  it('reads plain JSON', () => {
    expect(value('{"facts": ["a", "b"]}')).toEqual({ facts: ['a', 'b'] });
    expect(value('[1, 2.5e3, -3, true, null]')).toEqual([1, 2500, -3, true, null]);
  });

  it('reads a ```json fence, preferring it to braces in the prose before it', () => {
    const reply = 'Here is the {fact} list you asked for:\n```json\n{\n  "facts": ["Caroline has a dog."]\n}\n```\nLet me know if you need more!';
    expect(value(reply)).toEqual({ facts: ['Caroline has a dog.'] });
    expect(value('```\n["x"]\n```')).toEqual(['x']);
    expect(value('```{"a": 1}```')).toEqual({ a: 1 });
  });

  it('reads JSON wrapped in prose', () => {
    expect(value('Sure! Based on the memories, my decision is {"event": "NONE"} because it is known.')).toEqual({ event: 'NONE' });
  });

  it('is string-aware: brackets and quotes inside strings do not end the value', () => {
    expect(value('{"text": "a } b ] c { d", "n": "\\"quoted\\""} trailing }')).toEqual({ text: 'a } b ] c { d', n: '"quoted"' });
  });

  it('repairs single quotes, apostrophes inside them, and trailing commas', () => {
    expect(value("{'event': 'UPDATE', 'id': '1', 'text': 'Caroline's dog is Max',}")).toEqual({ event: 'UPDATE', id: '1', text: "Caroline's dog is Max" });
    expect(value("{'facts': ['It\\'s sunny', \"She said 'hi'\",],}")).toEqual({ facts: ["It's sunny", "She said 'hi'"] });
  });

  it('repairs Python True / False / None and unquoted words', () => {
    expect(value("{'ok': True, 'done': False, 'id': None}")).toEqual({ ok: true, done: false, id: null });
    expect(value('{event: DELETE, id: 2}')).toEqual({ event: 'DELETE', id: 2 });
  });

  it('repairs smart quotes, and keeps curly quotes inside straight-quoted strings', () => {
    expect(value('{“event”: “ADD”, ‘text’: ‘Jon’s cat’}')).toEqual({ event: 'ADD', text: 'Jon’s cat' });
    expect(value('{"text": "She said “hi” to me"}')).toEqual({ text: 'She said “hi” to me' });
  });

  it('repairs raw line breaks, unescaped inner quotes and lone backslashes inside strings', () => {
    expect(value('{"text": "line one\nline two"}')).toEqual({ text: 'line one\nline two' });
    expect(value('{"text": "she said "hi" to me"}')).toEqual({ text: 'she said "hi" to me' });
    expect(value('{"path": "C:\\Users\\me"}')).toEqual({ path: 'C:\\Users\\me' });
  });

  it('skips a broken candidate whole and takes the next', () => {
    expect(value('I choose [ADD} then {"event": "ADD"}')).toEqual({ event: 'ADD' });
    expect(value('{not json at all} {"event": "ADD"}')).toEqual({ event: 'ADD' });
  });

  it('refuses cut-off JSON instead of guessing its end', () => {
    expect(reason('{"event": "UPDATE", "id": "1", "text": "Caroline moved to')).toMatch(/cut off/);
    expect(reason('```json\n{"facts": ["a",')).toMatch(/cut off/);
  });

  it('refuses replies without JSON, too long, or nested too deep', () => {
    expect(reason('ADD')).toMatch(/no JSON/);
    expect(reason('')).toMatch(/no JSON/);
    expect(reason(`{"a": "${'x'.repeat(100_000)}"}`)).toMatch(/too long/);
    expect(reason('['.repeat(10_000))).toMatch(/nested/);
    expect(reason(`${'['.repeat(10_000)}${']'.repeat(10_000)}`)).toMatch(/nested/);
  });

  it('gives up after a bounded number of candidates', () => {
    expect(reason('{x y} '.repeat(1_000))).toMatch(/gave up after/);
  });

  it('keeps __proto__ as a plain own key, polluting nothing', () => {
    const parsed = value('{"__proto__": {"polluted": true}, "a": 1}');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('findJson', () => {
  it('passes over JSON the caller does not accept', () => {
    const result = findJson('Memory [0] matches. {"event": "NONE"}', isJsonObject);
    expect(result).toEqual({ ok: true, value: { event: 'NONE' } });
    expect(findJson('[0] and [1]', isJsonObject)).toEqual({ ok: false, reason: 'JSON found, but not in the expected format' });
  });
});
