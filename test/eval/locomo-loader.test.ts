import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCOMO_CATEGORY_NAMES, LOCOMO_UNANSWERABLE } from '../../models/eval/locomo/categories.js';
import { normalizeDiaId } from '../../models/eval/locomo/dia-id.js';
import { loadLocomo } from '../../models/eval/locomo/load-locomo.js';
import { parseLocomoTime } from '../../models/eval/locomo/locomo-time.js';
import { LOCOMO_SPLIT_SIZES, splitLocomo } from '../../models/eval/locomo/split.js';
import { turnText } from '../../models/eval/locomo/turn-text.js';
import type { LocomoConversation } from '../../models/eval/locomo/types.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/locomo-mini.json', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The benchmark is not in the repository (its licence is non-commercial); CI keeps it beside the checkout.
const REAL_DATA = resolve(REPO_ROOT, '../shared/data/locomo10.json');

const tempDir = useTempDirs();

function byId(conversations: LocomoConversation[], sampleId: string): LocomoConversation {
  const found = conversations.find((c) => c.sampleId === sampleId);
  if (!found) throw new Error(`no ${sampleId} in the fixture`);
  return found;
}

type RawRecord = Record<string, unknown>;

/** The fixture's raw shape, as far as the edits below reach into it. */
interface FixtureSample {
  sample_id: string;
  conversation?: RawRecord & { session_1: RawRecord[]; session_2: RawRecord[] };
  qa: RawRecord[];
  observation: RawRecord;
}

/**
 * The fixture after `edit`, written to a temporary file; returns its path.
 * `edit` changes the samples in place, or returns what to write instead.
 */
function editedFixture(edit: (samples: FixtureSample[]) => unknown): string {
  const samples = JSON.parse(readFileSync(FIXTURE, 'utf8')) as FixtureSample[];
  const file = join(tempDir(), 'edited.json');
  writeFileSync(file, JSON.stringify(edit(samples) ?? samples));
  return file;
}

describe('normalizeDiaId', () => {
  it.each([
    ['D1:3', ['D1:3']],
    ['D1: 3', ['D1:3']],
    ['D1:3 ', ['D1:3']],
    ['d1:3', ['D1:3']],
    ['D30:05', ['D30:5']],
    ['D:11:26', ['D11:26']],
    ['D10:3; D10:4', ['D10:3', 'D10:4']],
    ['D10:3,D10:4', ['D10:3', 'D10:4']],
    ['D9:1 D4:4 D4:6', ['D9:1', 'D4:4', 'D4:6']],
    ['D2:1, D2:1', ['D2:1']],
    ['D', []],
    ['', []],
    ['see above', []],
  ])('%j -> %j', (raw, expected) => {
    expect(normalizeDiaId(raw)).toEqual(expected);
  });
});

describe('parseLocomoTime', () => {
  it.each([
    ['1:56 pm on 8 May, 2023', '2023-05-08T13:56:00.000Z'],
    ['10:37 am on 27 June, 2023', '2023-06-27T10:37:00.000Z'],
    ['12:05 am on 15 June, 2023', '2023-06-15T00:05:00.000Z'],
    ['12:30 pm on 1 January, 2024', '2024-01-01T12:30:00.000Z'],
    ['8:15 AM on 29 Feb, 2024', '2024-02-29T08:15:00.000Z'],
  ])('%j -> %s', (text, iso) => {
    expect(parseLocomoTime(text)).toBe(iso);
  });

  it.each(['', '2023-05-08', '13:56 pm on 8 May, 2023', '1:56 pm on 31 June, 2023', '1:56 pm on 29 February, 2023', '1:56 pm on 8 Ma, 2023'])(
    'null for %j',
    (text) => {
      expect(parseLocomoTime(text)).toBeNull();
    },
  );
});

describe('loadLocomo on the synthetic fixture', () => {
  it('iterates the session lists, not the date keys', async () => {
    const conversations = await loadLocomo(FIXTURE);
    expect(conversations.map((c) => c.sampleId)).toEqual(['conv-26', 'conv-30', 'conv-41']);
    const conv26 = byId(conversations, 'conv-26');
    // session_3_date_time has no session_3 list behind it, as in the real conv-26.
    expect(conv26.sessions.map((s) => s.index)).toEqual([1, 2]);
    expect(conversations.flatMap((c) => c.sessions)).toHaveLength(6);
    expect(conv26.speakers).toEqual(['Ines', 'Tomas']);
  });

  it('keeps every turn in order, with speaker, canonical dia_id and session time', async () => {
    const conversations = await loadLocomo(FIXTURE);
    expect(conversations.flatMap((c) => c.turns)).toHaveLength(18);
    const conv26 = byId(conversations, 'conv-26');
    expect(conv26.turns.map((t) => t.dia_id)).toEqual(['D1:1', 'D1:2', 'D1:3', 'D1:4', 'D2:1', 'D2:2', 'D2:3']);
    expect(conv26.turns[4]).toEqual({
      dia_id: 'D2:1',
      speaker: 'Tomas',
      text: 'Ran my first half marathon last weekend, under two hours.',
      session: 2,
      time: '2023-06-15T00:05:00.000Z',
      sessionTime: '12:05 am on 15 June, 2023',
    });
    expect(conv26.sessions[0]).toMatchObject({ index: 1, time: '2023-05-08T13:56:00.000Z', rawTime: '1:56 pm on 8 May, 2023' });
    expect(byId(conversations, 'conv-41').sessions[1]?.time).toBe('2024-02-29T08:15:00.000Z');
  });

  it('keeps an image caption and query beside the text; turnText joins them', async () => {
    const conv26 = byId(await loadLocomo(FIXTURE), 'conv-26');
    const [plain, withQuery, captionOnly] = [conv26.turns[0], conv26.turns[2], conv26.turns[6]];
    expect(plain?.image).toBeUndefined();
    expect(withQuery?.text).toBe('Look what came out of the kiln today.');
    expect(withQuery?.image).toEqual({ caption: 'a photo of a blue vase on a wooden table', query: 'handmade blue vase' });
    expect(captionOnly?.image).toEqual({ caption: 'a photo of a finisher medal on a ribbon' });
    expect(withQuery && turnText(withQuery)).toBe('Look what came out of the kiln today. [shares an image: a photo of a blue vase on a wooden table]');
    expect(plain && turnText(plain)).toBe(plain?.text);
  });

  it('flattens observations with canonical sources from the string, list and comma-string forms', async () => {
    const conversations = await loadLocomo(FIXTURE);
    const conv26 = byId(conversations, 'conv-26');
    expect(conv26.observations.map((o) => [o.subject, o.session, o.sources])).toEqual([
      ['Ines', 1, ['D1:1']],
      ['Ines', 1, ['D1:3', 'D1:4']],
      ['Tomas', 1, ['D1:2']],
      ['Tomas', 2, ['D2:1', 'D2:3']],
      ['Ines', 2, ['D2:2']],
    ]);
    expect(conv26.observations[3]).toEqual({
      text: 'Tomas ran a half marathon in under two hours.',
      subject: 'Tomas',
      session: 2,
      time: '2023-06-15T00:05:00.000Z',
      sources: ['D2:1', 'D2:3'],
    });
    // conv-30 lists session 2's observations first; they come out in session order.
    expect(byId(conversations, 'conv-30').observations.map((o) => o.session)).toEqual([1, 1, 2]);
  });

  it('normalises evidence ids and coerces answers to strings', async () => {
    const conversations = await loadLocomo(FIXTURE);
    const questions = new Map(conversations.flatMap((c) => c.questions).map((q) => [q.id, q]));
    expect(questions.size).toBe(14);
    expect(questions.get('conv-26#0')?.evidence).toEqual(['D1:1']); // "D1: 1"
    expect(questions.get('conv-26#1')?.evidence).toEqual(['D2:1']); // "D2:1 "
    expect(questions.get('conv-26#2')?.evidence).toEqual(['D1:3', 'D2:2']); // "D1:3; D2:2"
    expect(questions.get('conv-26#3')?.evidence).toEqual([]);
    expect(questions.get('conv-26#4')?.evidence).toEqual(['D1:3']); // "d1:3"
    expect(questions.get('conv-26#5')?.evidence).toEqual(['D1:3']); // listed twice
    expect(questions.get('conv-30#0')?.evidence).toEqual(['D1:2']); // "D:1:2"
    expect(questions.get('conv-30#1')?.evidence).toEqual(['D2:1', 'D2:2']); // "D2:1,D2:2" and a bare "D"
    expect(questions.get('conv-41#0')?.evidence).toEqual(['D1:1', 'D2:3']); // "D1:1 D2:3"
    expect(questions.get('conv-41#2')?.evidence).toEqual(['D2:2']); // "D2:02"
    expect(questions.get('conv-26#2')?.answer).toBe('2');
    expect(questions.get('conv-41#3')?.answer).toBe('2024');
    for (const q of questions.values()) expect(typeof q.answer).toBe('string');
  });

  it('keeps category-5 questions in the conversation, with their adversarial answer', async () => {
    const conv26 = byId(await loadLocomo(FIXTURE), 'conv-26');
    expect(conv26.questions.map((q) => q.category)).toEqual([4, 2, 1, 3, 5, 5]);
    expect(conv26.questions[4]).toEqual({
      id: 'conv-26#4',
      question: 'What did Tomas make in his pottery class?',
      answer: LOCOMO_UNANSWERABLE,
      category: 5,
      evidence: ['D1:3'],
      adversarialAnswer: 'A blue vase',
    });
    // The file's own answer wins where a category-5 item has one.
    expect(conv26.questions[5]).toMatchObject({ answer: 'No', adversarialAnswer: 'Yes' });
    expect(conv26.questions[0]).not.toHaveProperty('adversarialAnswer');
  });
});

describe('splitLocomo', () => {
  it('splits by sample id (train conv-26, validation conv-30, test the rest) and leaves out category 5', async () => {
    const split = splitLocomo(await loadLocomo(FIXTURE));
    expect(split.train.conversations.map((c) => c.sampleId)).toEqual(['conv-26']);
    expect(split.validation.conversations.map((c) => c.sampleId)).toEqual(['conv-30']);
    expect(split.test.conversations.map((c) => c.sampleId)).toEqual(['conv-41']);
    expect(split.train.questions.map((q) => q.id)).toEqual(['conv-26#0', 'conv-26#1', 'conv-26#2', 'conv-26#3']);
    expect(split.validation.questions.map((q) => q.id)).toEqual(['conv-30#0', 'conv-30#1']);
    expect(split.test.questions.map((q) => q.id)).toEqual(['conv-41#0', 'conv-41#1', 'conv-41#2', 'conv-41#3']);
    for (const part of [split.train, split.validation, split.test]) expect(part.questions.some((q) => q.category === 5)).toBe(false);
  });

  it('refuses data without the split conversations', async () => {
    const withoutValidation = (await loadLocomo(FIXTURE)).filter((c) => c.sampleId !== 'conv-30');
    expect(() => splitLocomo(withoutValidation)).toThrow(/needs conv-26 \(train\) and conv-30 \(validation\), but the data has no conv-30/);
  });
});

describe('loadLocomo refuses bad input with a clear error', () => {
  it('a missing file says how to pass the data', async () => {
    const missing = join(tempDir(), 'locomo10.json');
    await expect(loadLocomo(missing)).rejects.toMatchObject({
      name: 'LocomoDataError',
      code: 'NOT_FOUND',
      message: `LoCoMo data not found at ${missing}: pass --data /path/to/locomo10.json`,
    });
  });

  it('a file that is not JSON', async () => {
    const file = join(tempDir(), 'broken.json');
    writeFileSync(file, '[{"sample_id": "conv-26",');
    await expect(loadLocomo(file)).rejects.toMatchObject({ code: 'NOT_JSON', message: expect.stringContaining(`${file} is not JSON (`) });
  });

  it.each<[string, (samples: FixtureSample[]) => unknown, string]>([
    ['an object instead of a list', () => ({ samples: [] }), 'expected a JSON list of samples'],
    ['an empty list', () => [], 'the list of samples is empty'],
    ['a sample without a conversation', (s) => { delete s[1]!.conversation; }, 'sample 1 (conv-30) has no conversation'],
    ['a question without text', (s) => { delete s[0]!.qa[2]!.question; }, 'sample 0 (conv-26) qa.2 has no question'],
    ['an unknown category', (s) => { s[2]!.qa[0]!.category = 7; }, 'sample 2 (conv-41) qa.0.category: Invalid option'],
    ['a turn without text', (s) => { delete s[0]!.conversation!.session_1[2]!.text; }, 'sample 0 (conv-26) conversation.session_1.2 has no text'],
    ['a session without its date', (s) => { delete s[2]!.conversation!.session_2_date_time; }, 'sample 2 (conv-41) conversation has no session_2_date_time'],
    [
      'a turn with a bad dia_id',
      (s) => { s[1]!.conversation!.session_2[0]!.dia_id = 'turn 1'; },
      'sample 1 (conv-30) conversation.session_2.0.dia_id "turn 1" is not one D<session>:<turn> id',
    ],
    [
      'an observation of a session that does not exist',
      (s) => { s[2]!.observation.session_9_observation = {}; },
      'sample 2 (conv-41) observation.session_9_observation names no session',
    ],
    ['a non-adversarial question without an answer', (s) => { delete s[1]!.qa[0]!.answer; }, 'sample 1 (conv-30) qa.0 (category 4) has no answer'],
    ['a repeated sample id', (s) => { s[2]!.sample_id = 'conv-26'; }, 'sample 2 (conv-26) repeats sample_id conv-26'],
  ])('%s', async (_name, edit, reason) => {
    const file = editedFixture(edit);
    await expect(loadLocomo(file)).rejects.toMatchObject({
      name: 'LocomoDataError',
      code: 'NOT_LOCOMO',
      message: expect.stringContaining(`${file} is not LoCoMo: ${reason}`),
    });
  });
});

describe('the real locomo10.json', () => {
  it('has the published counts and the Memory-R1 split', async () => {
    // Fails rather than skips: without the data the evaluation cannot be checked.
    if (!existsSync(REAL_DATA)) {
      throw new Error(`expected LoCoMo's locomo10.json at ${REAL_DATA} (../shared/data/locomo10.json beside the repository); it is not there`);
    }
    const conversations = await loadLocomo(REAL_DATA);
    expect(conversations).toHaveLength(10);
    expect(conversations.flatMap((c) => c.sessions)).toHaveLength(272);
    expect(conversations.flatMap((c) => c.turns)).toHaveLength(5882);
    const perCategory = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
    for (const q of conversations.flatMap((c) => c.questions)) perCategory[q.category] += 1;
    expect(perCategory).toEqual({ 1: 282, 2: 321, 3: 96, 4: 841, 5: 446 });
    expect(Object.keys(perCategory).map((c) => LOCOMO_CATEGORY_NAMES[Number(c) as keyof typeof LOCOMO_CATEGORY_NAMES])).toEqual([
      'multi-hop',
      'temporal',
      'open-domain',
      'single-hop',
      'adversarial',
    ]);
    // conv-26's extra date keys: 35 of them, 19 sessions.
    expect(byId(conversations, 'conv-26').sessions).toHaveLength(19);
    expect(conversations.flatMap((c) => c.sessions).every((s) => s.time !== null)).toBe(true);

    const split = splitLocomo(conversations);
    expect({ train: split.train.questions.length, validation: split.validation.questions.length, test: split.test.questions.length }).toEqual(
      LOCOMO_SPLIT_SIZES,
    );
    expect(LOCOMO_SPLIT_SIZES).toEqual({ train: 152, validation: 81, test: 1307 });
    expect(split.test.conversations).toHaveLength(8);
  });
});
