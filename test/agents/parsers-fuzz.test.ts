/**
 * Feeds every output parser thousands of malformed and hostile replies, made
 * from valid ones by seeded mutations, and checks that nothing throws and that
 * every result is one the callers can act on safely.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { extractJson } from '../../models/agents/json-extraction.js';
import { MAX_ANSWER_CHARS, MAX_SELECTED, parseAnswer } from '../../models/agents/parse-answer.js';
import { MAX_BATCH_OPERATIONS, parseBatchUpdate } from '../../models/agents/parse-batch-update.js';
import { MAX_FACTS, parseFacts } from '../../models/agents/parse-facts.js';
import { parseJudge } from '../../models/agents/parse-judge.js';
import { parseUpdateDecision } from '../../models/agents/parse-update-decision.js';
import { mulberry32 } from '../../models/util/seeded-random.js';

const IDS = ['mem-0-caroline', 'mem-1-melanie', 'mem-2-jon'];

const VALID_REPLIES = [
  '{"event": "UPDATE", "id": "1", "text": "Melanie loves camping in the mountains."}',
  '```json\n{"event": "DELETE", "id": "0", "text": "Caroline has no dog."}\n```',
  "{'event': 'ADD', 'text': 'Jon's studio opened on 20 June 2023.',}",
  '{"event": "NONE"}',
  'UPDATE 2 Jon opened his dance studio on 20 June 2023.',
  'DELETE 1',
  '{"facts": ["Caroline went to an LGBTQ support group on 7 May 2023.", "Melanie plans to paint a sunrise."]}',
  'Here are the facts:\n```json\n{"facts": ["Jon lost his job.", "Jon wants to open a dance studio."]}\n```',
  '{"memory": [{"id": "0", "text": "Caroline has two dogs.", "event": "UPDATE", "old_memory": "Caroline has a dog."}, {"id": "1", "text": "x", "event": "DELETE"}, {"id": "3", "text": "Gina runs a store.", "event": "ADD"}]}',
  'Relevant memories:\n- 1:56 pm on 8 May, 2023: "Caroline went to a support group."\n**Answer:** 7 May 2023',
  '{"label": "CORRECT"}',
  'The dates match.\nWRONG',
];

const JUNK = ['{', '}', '[', ']', '"', "'", ',', ':', '\\', '\n', '```', '“', '”', '’', '\u0000', '\ud800', '\udfff', '\u2028', 'True', 'None', 'NaN', '__proto__', '**Answer:**', 'UPDATE 9', 'DELETE', '{"event": "DELETE", "id": "x"}'];
const BAD_IDS = ['"99"', '-1', '1.5', '"abc"', '""', 'null', '[1]', '{"x": 1}', '"0 OR 1=1"', '"__proto__"', '1e3', '"mem-9-nobody"', '" 2 "'];
const BAD_VALUES = ['"MERGE"', '""', '42', 'null', '["ADD"]', '"add "', '"Up-Date"', '{"x": 1}', 'true', '[]', '{}', '"CORRECTish"', `"${'y'.repeat(1_200)}"`];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

type Mutation = (text: string, rand: () => number) => string;

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length)]!;
}

function at(text: string, rand: () => number): number {
  return Math.floor(rand() * (text.length + 1));
}

const MUTATIONS: Mutation[] = [
  (t, r) => t.slice(0, at(t, r)),
  (t, r) => t.slice(at(t, r)),
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + pick(JUNK, r) + t.slice(i);
  },
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + t.slice(i + 1 + Math.floor(r() * 5));
  },
  (t, r) => t.replace(/"id":\s*"[^"]*"/, `"id": ${pick(BAD_IDS, r)}`),
  (t, r) => t.replace(/"(event|label|text)":\s*"[^"]*"/, (_, key: string) => `"${key}": ${pick(BAD_VALUES, r)}`),
  (t, r) => t.replace(/"(facts|memory)":\s*\[/, (_, key: string) => `"${key}": ${pick(BAD_VALUES, r)}, "x": [`),
  (t, r) => t.replace(/"(\w+)":/, `"${pick(HOSTILE_KEYS, r)}":`),
  (t, r) => `{"${pick(HOSTILE_KEYS, r)}": {"polluted": "yes"}, ${t.replace(/^\s*\{/, '')}`,
  (t) => `[${t}]`,
  (t) => `{"memory": [${t}]}`,
  (t, r) => `${pick(['Sure! ', 'I think ', '```\n', '> ', '**'], r)}${t}${pick(['', '\nHope this helps.', '\n```', ' }'], r)}`,
  (t) => t.replaceAll('"', "'"),
  (t) => t.replaceAll('"', '“'),
  (t, r) => (r() < 0.5 ? t.toLowerCase() : t.toUpperCase()),
  (t) => t + t,
  (t, r) => {
    const i = at(t, r);
    return t.slice(0, i) + '\\' + t.slice(i);
  },
];

function randomCodeUnits(rand: () => number, length: number): string {
  return String.fromCharCode(...Array.from({ length }, () => Math.floor(rand() * 0x10000)));
}

function randomJsonish(rand: () => number, length: number): string {
  const alphabet = '{}[]"\':,\\ \ntrueTrueNone0123456789-.eventADDUPDATEDELETEidtext';
  return Array.from({ length }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
}

/** Fixed hostile inputs: huge, deeply nested, wrong types, prototype keys. */
function adversarial(): string[] {
  const big = 'x'.repeat(99_000);
  return [
    'a'.repeat(100_001),
    `{"facts": ["${'x'.repeat(100_000)}"]}`,
    `{"event": "UPDATE", "id": "0", "text": "${big}"}`,
    `{"facts": ["${big}"]}`,
    `Relevant memories:\n- ${big}\n**Answer:** ${big.slice(0, 900)}`,
    `**Answer:** ${' '.repeat(99_000)}x`,
    `${'\n'.repeat(50_000)}ADD`,
    `UPDATE ${' '.repeat(90_000)}1 text`,
    `{"label": "${'CORRECT '.repeat(10_000)}"}`,
    '['.repeat(10_000),
    '{'.repeat(10_000),
    '{"a":'.repeat(10_000),
    `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
    `${'{"event": ['.repeat(5_000)}`,
    '"'.repeat(50_000),
    "'".repeat(50_000),
    `{"text": "${'\\'.repeat(50_001)}"}`,
    '{x} '.repeat(20_000),
    '```'.repeat(20_000),
    ', '.repeat(40_000),
    '42',
    'null',
    'true',
    '"ADD"',
    '[]',
    '{}',
    '[null, 1, "a", {}, []]',
    '{"event": null, "id": null, "text": null}',
    '{"event": ["UPDATE"], "id": {"0": 1}, "text": ["a"]}',
    '{"facts": [1, 2, 3, null, {}, [], true]}',
    '{"facts": {"0": "a", "length": 1}}',
    '{"memory": {"0": {"event": "DELETE", "id": "0"}}}',
    '{"__proto__": {"polluted": "yes"}, "event": "DELETE", "id": "0"}',
    '{"constructor": {"prototype": {"polluted": "yes"}}, "facts": ["a"]}',
    '{"memory": [{"__proto__": {"polluted": "yes"}, "event": "UPDATE", "id": "__proto__", "text": "x"}]}',
    '{"event": "UPDATE", "id": "constructor", "text": "x"}',
    '{"label": {"__proto__": "CORRECT"}}',
    'DELETE __proto__',
    'UPDATE toString x',
    '\ud800\udc00\ud800{"event": "ADD"}\udfff',
    '{"event": "UPDATE", "id": "0", "text": "\ud800 lone \udfff"}',
  ];
}

function buildInputs(): string[] {
  const rand = mulberry32(0x5eed_2508);
  const inputs: string[] = [];
  // Truncation at every position of every valid reply.
  for (const reply of VALID_REPLIES) for (let i = 0; i <= reply.length; i++) inputs.push(reply.slice(0, i));
  // One to three random mutations of a valid reply.
  for (let n = 0; n < 2_000; n++) {
    let text = pick(VALID_REPLIES, rand);
    const rounds = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < rounds; k++) text = pick(MUTATIONS, rand)(text, rand);
    inputs.push(text);
  }
  for (let n = 0; n < 200; n++) inputs.push(randomCodeUnits(rand, Math.floor(rand() * 300)));
  for (let n = 0; n < 300; n++) inputs.push(randomJsonish(rand, Math.floor(rand() * 200)));
  inputs.push(...adversarial());
  return inputs;
}

// What a caller may rely on, whatever the model wrote.
const Reason = z.string().min(1).max(500);
const StorableText = z
  .string()
  .min(1)
  .max(1_000)
  .refine((s) => s.isWellFormed() && s === s.trim() && !/[\u0000-\u001f\u007f\u2028\u2029]/.test(s), 'storable one-line text');
const KnownId = z.string().refine((id) => IDS.includes(id), 'one of the ids given');

const DecisionResult = z.discriminatedUnion('event', [
  z.strictObject({ event: z.literal('ADD') }),
  z.strictObject({ event: z.literal('UPDATE'), targetId: KnownId, text: StorableText }),
  z.strictObject({ event: z.literal('DELETE'), targetId: KnownId }),
  z.strictObject({ event: z.literal('NOOP'), reason: Reason.optional() }),
]);
const BatchResult = z.strictObject({
  operations: z
    .array(
      z.discriminatedUnion('event', [
        z.strictObject({ event: z.literal('ADD'), text: StorableText }),
        z.strictObject({ event: z.literal('UPDATE'), targetId: KnownId, text: StorableText }),
        z.strictObject({ event: z.literal('DELETE'), targetId: KnownId }),
        z.strictObject({ event: z.literal('NOOP'), reason: Reason.optional() }),
      ]),
    )
    .max(MAX_BATCH_OPERATIONS),
  reason: Reason.optional(),
});
const FactsResult = z.strictObject({ facts: z.array(StorableText).max(MAX_FACTS), reason: Reason.optional() });
const AnswerResult = z.strictObject({
  answer: z.string().max(MAX_ANSWER_CHARS).refine((s) => s.isWellFormed() && !/[\n\r]/.test(s)),
  selected: z.array(z.string().min(1).max(2_000)).max(MAX_SELECTED),
  reason: Reason.optional(),
});
const JudgeResult = z.strictObject({ label: z.enum(['CORRECT', 'WRONG']), reason: Reason.optional() });
const ExtractResult = z.union([z.strictObject({ ok: z.literal(true), value: z.unknown() }), z.strictObject({ ok: z.literal(false), reason: Reason })]);

/** An empty list without a reason must come from a reply that holds an empty list. */
const EMPTY_LIST = /[[][\s,]*[\]]/;

function checkOne(input: string): void {
  const decision = DecisionResult.parse(parseUpdateDecision(input, IDS));
  // A NOOP without a reason is one the model chose; the reply must say so (spaces, `_` and `-` inside the word are allowed).
  if (decision.event === 'NOOP' && decision.reason === undefined) expect(input.replace(/[\s_-]+/g, '')).toMatch(/none|noop|nochange/i);

  const batch = BatchResult.parse(parseBatchUpdate(input, IDS));
  const targets = batch.operations.flatMap((op) => (op.event === 'UPDATE' || op.event === 'DELETE' ? [op.targetId] : []));
  expect(new Set(targets).size).toBe(targets.length);
  if (batch.operations.length === 0 && batch.reason === undefined) expect(input).toMatch(EMPTY_LIST);

  const facts = FactsResult.parse(parseFacts(input));
  expect(new Set(facts.facts.map((f) => f.toLowerCase())).size).toBe(facts.facts.length);
  if (facts.facts.length === 0 && facts.reason === undefined) expect(input).toMatch(EMPTY_LIST);

  const answer = AnswerResult.parse(parseAnswer(input));
  if (answer.answer === '') expect(answer.reason).toBeTruthy();

  const verdict = JudgeResult.parse(parseJudge(input));
  if (verdict.label === 'CORRECT') expect(input).toMatch(/correct/i);
  if (verdict.label === 'WRONG' && verdict.reason === undefined) expect(input).toMatch(/wrong|incorrect/i);

  const extracted = ExtractResult.parse(extractJson(input));
  if (extracted.ok) expect(() => JSON.stringify(extracted.value)).not.toThrow();
}

describe('output parsers under fuzzing', () => {
  it('never throw, and always give a safe, schema-valid result', () => {
    const objectKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    const arrayKeys = Object.getOwnPropertyNames(Array.prototype).sort();
    const inputs = buildInputs();
    expect(inputs.length).toBeGreaterThanOrEqual(1_000);

    for (const input of inputs) {
      try {
        checkOne(input);
      } catch (error) {
        throw new Error(`input ${JSON.stringify(input.slice(0, 200))} (${input.length} chars): ${String(error)}`);
      }
    }

    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectKeys);
    expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('the mutations really produce hard cases: many UPDATE / DELETE refusals and many failures', () => {
    const inputs = buildInputs();
    const decisions = inputs.map((input) => parseUpdateDecision(input, IDS));
    const refusedTargets = decisions.filter((d) => d.event === 'NOOP' && /memory id/.test(d.reason ?? '')).length;
    const failures = decisions.filter((d) => d.event === 'NOOP' && d.reason !== undefined).length;
    const accepted = decisions.filter((d) => d.event === 'UPDATE' || d.event === 'DELETE').length;
    expect(refusedTargets).toBeGreaterThan(50);
    expect(failures).toBeGreaterThan(1_000);
    expect(accepted).toBeGreaterThan(100);
  });
});
