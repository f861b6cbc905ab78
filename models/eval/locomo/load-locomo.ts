/**
 * Reads LoCoMo (`locomo10.json`) into conversations of turns, observations and
 * questions. The file is never bundled with the project: callers pass its path
 * (`--data`). Everything is checked before use, and a bad file is refused
 * with the place and the problem rather than half loaded.
 */
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { LOCOMO_UNANSWERABLE } from './categories.js';
import { normalizeDiaId } from './dia-id.js';
import { LocomoDataError } from './errors.js';
import { parseLocomoTime } from './locomo-time.js';
import { RawLocomo, RawSessionTime, RawTurns, type RawSample } from './raw-schema.js';
import type { LocomoConversation, LocomoImage, LocomoObservation, LocomoQuestion, LocomoSession, LocomoTurn } from './types.js';

const DATA_HINT = 'pass --data /path/to/locomo10.json';

// Sessions are found by their turn lists, not their date keys: conv-26 has
// `session_20_date_time` … `session_35_date_time` with no sessions behind them.
const SESSION_KEY = /^session_(\d+)$/;
const OBSERVATION_KEY = /^session_(\d+)_observation$/;

/** The conversations of a LoCoMo file, in file order. */
export async function loadLocomo(path: string): Promise<LocomoConversation[]> {
  const json = parseJson(await readText(path), path);
  const samples = check(RawLocomo, json, [], path, (index) => rawSampleId(json, index));
  const seen = new Set<string>();
  return samples.map((sample, index) => {
    const ctx = new SampleContext(path, index, sample.sample_id);
    if (seen.has(sample.sample_id)) throw ctx.refuse(`repeats sample_id ${sample.sample_id}`);
    seen.add(sample.sample_id);
    return toConversation(sample, ctx);
  });
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LocomoDataError('NOT_FOUND', `LoCoMo data not found at ${path}: ${DATA_HINT}`, { cause: error });
    throw new LocomoDataError('UNREADABLE', `cannot read LoCoMo data at ${path} (${code ?? String(error)}): ${DATA_HINT}`, { cause: error });
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new LocomoDataError('NOT_JSON', `${path} is not JSON (${(error as Error).message}): ${DATA_HINT}`, { cause: error });
  }
}

function notLocomo(path: string, reason: string): LocomoDataError {
  return new LocomoDataError('NOT_LOCOMO', `${path} is not LoCoMo: ${reason}; ${DATA_HINT}`);
}

/** The sample_id of a not-yet-validated sample, to name it in an error. */
function rawSampleId(json: unknown, index: number): string | undefined {
  const sample: unknown = Array.isArray(json) ? json[index] : undefined;
  if (typeof sample !== 'object' || sample === null || !('sample_id' in sample)) return undefined;
  return typeof sample.sample_id === 'string' ? sample.sample_id : undefined;
}

function sampleLabel(index: number, sampleId: string | undefined): string {
  return sampleId === undefined ? `sample ${index}` : `sample ${index} (${sampleId})`;
}

/**
 * `value` parsed by `schema`, or a NOT_LOCOMO error naming the first problem
 * in words: "sample 3 (conv-43) has no conversation",
 * "sample 0 (conv-26) qa.4.category: Invalid option: expected one of 1|2|3|4|5".
 */
function check<T>(schema: z.ZodType<T>, value: unknown, at: PropertyKey[], path: string, sampleIdAt: (index: number) => string | undefined): T {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw notLocomo(path, 'unexpected content');
  const [first, ...rest] = [...at, ...issue.path].map((key) => (typeof key === 'number' ? key : String(key)));
  if (typeof first !== 'number') throw notLocomo(path, issue.message);
  const where = sampleLabel(first, sampleIdAt(first));
  const field = rest.at(-1);
  if (issue.code === 'invalid_type' && issue.input === undefined && field !== undefined) {
    throw notLocomo(path, [where, ...(rest.length > 1 ? [rest.slice(0, -1).join('.')] : []), `has no ${field}`].join(' '));
  }
  throw notLocomo(path, rest.length ? `${where} ${rest.join('.')}: ${issue.message}` : `${where}: ${issue.message}`);
}

/** One validated sample while it is being converted: where it is, to name it in errors. */
class SampleContext {
  constructor(
    readonly path: string,
    readonly index: number,
    readonly sampleId: string,
  ) {}

  check<T>(schema: z.ZodType<T>, value: unknown, at: PropertyKey[]): T {
    return check(schema, value, [this.index, ...at], this.path, () => this.sampleId);
  }

  refuse(reason: string): LocomoDataError {
    return notLocomo(this.path, `${sampleLabel(this.index, this.sampleId)} ${reason}`);
  }
}

function toConversation(sample: RawSample, ctx: SampleContext): LocomoConversation {
  const conversation = sample.conversation;
  const indices = Object.keys(conversation)
    .flatMap((key) => {
      const m = SESSION_KEY.exec(key);
      return m ? [Number(m[1])] : [];
    })
    .sort((a, b) => a - b);
  if (!indices.length) throw ctx.refuse('has no session_N turn lists in its conversation');
  const sessions = indices.map((index) => toSession(conversation, index, ctx));
  return {
    sampleId: sample.sample_id,
    speakers: [conversation.speaker_a, conversation.speaker_b],
    sessions,
    turns: sessions.flatMap((session) => session.turns),
    observations: toObservations(sample, sessions, ctx),
    questions: toQuestions(sample, ctx),
  };
}

function toSession(conversation: Record<string, unknown>, index: number, ctx: SampleContext): LocomoSession {
  const timeKey = `session_${index}_date_time`;
  const rawTime = ctx.check(RawSessionTime, conversation[timeKey], ['conversation', timeKey]);
  const time = parseLocomoTime(rawTime);
  const rawTurns = ctx.check(RawTurns, conversation[`session_${index}`], ['conversation', `session_${index}`]);
  const turns = rawTurns.map((raw, k): LocomoTurn => {
    const ids = normalizeDiaId(raw.dia_id);
    const diaId = ids[0];
    if (diaId === undefined || ids.length > 1) {
      throw ctx.refuse(`conversation.session_${index}.${k}.dia_id ${JSON.stringify(raw.dia_id)} is not one D<session>:<turn> id`);
    }
    const turn: LocomoTurn = { dia_id: diaId, speaker: raw.speaker, text: raw.text, session: index, time, sessionTime: rawTime };
    // The image is kept beside the text, not inside it, so the text stays what was written; `turnText` joins them.
    const image: LocomoImage = {
      ...(raw.blip_caption !== undefined && { caption: raw.blip_caption }),
      ...(raw.query !== undefined && { query: raw.query }),
    };
    return Object.keys(image).length ? { ...turn, image } : turn;
  });
  return { index, time, rawTime, turns };
}

/** Each id string may name several turns; the union, in order. */
function canonicalIds(ids: string[]): string[] {
  return [...new Set(ids.flatMap(normalizeDiaId))];
}

function toObservations(sample: RawSample, sessions: LocomoSession[], ctx: SampleContext): LocomoObservation[] {
  const byIndex = new Map(sessions.map((session) => [session.index, session]));
  const groups = Object.entries(sample.observation ?? {}).map(([key, bySubject]) => {
    const index = Number(OBSERVATION_KEY.exec(key)?.[1]);
    const session = byIndex.get(index);
    if (!session) throw ctx.refuse(`observation.${key} names no session of the conversation (expected session_N_observation for an existing session_N)`);
    return { session, bySubject };
  });
  groups.sort((a, b) => a.session.index - b.session.index);
  return groups.flatMap(({ session, bySubject }) =>
    Object.entries(bySubject).flatMap(([subject, facts]) =>
      facts.map(([text, source]) => ({
        text,
        subject,
        session: session.index,
        time: session.time,
        sources: canonicalIds(typeof source === 'string' ? [source] : source),
      })),
    ),
  );
}

function toQuestions(sample: RawSample, ctx: SampleContext): LocomoQuestion[] {
  return sample.qa.map((raw, k) => {
    if (raw.answer === undefined && raw.category !== 5) throw ctx.refuse(`qa.${k} (category ${raw.category}) has no answer`);
    return {
      id: `${sample.sample_id}#${k}`,
      question: raw.question,
      answer: raw.answer === undefined ? LOCOMO_UNANSWERABLE : String(raw.answer),
      category: raw.category,
      evidence: canonicalIds(raw.evidence),
      ...(raw.adversarial_answer !== undefined && { adversarialAnswer: raw.adversarial_answer }),
    };
  });
}
