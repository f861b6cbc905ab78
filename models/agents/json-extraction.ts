/**
 * Finds the JSON in a model's reply and reads it, forgiving what small models
 * get wrong: code fences, prose around the JSON, single or curly quotes,
 * unescaped line breaks or quotes inside strings, trailing commas, Python's
 * True / False / None, unquoted words. Never throws, and the work is bounded:
 * the reply is capped (`MAX_OUTPUT_CHARS`), the scan is one pass per candidate
 * without recursion, nesting is capped, and only so many candidates are tried.
 */
import { tooLongReason } from './output-text.js';

export type JsonExtraction = { ok: true; value: unknown } | { ok: false; reason: string };

/** Deeper than any format the agents ask for; deeper nesting is junk, refused before `JSON.parse` sees it. */
const MAX_DEPTH = 64;
/** Candidate `{` / `[` positions tried per region before giving up. */
const MAX_ATTEMPTS = 32;

/** The quotes that may close a string, by the quote that opened it (curly quotes come in either order). */
const CLOSERS: ReadonlyMap<string, string> = new Map([
  ['"', '"'],
  ["'", "'"],
  ['\u201c', '\u201d\u201c"'],
  ['\u201d', '\u201d\u201c"'],
  ['\u2018', "\u2019\u2018'"],
  ['\u2019', "\u2019\u2018'"],
]);

const BARE_WORDS: ReadonlyMap<string, string> = new Map([
  ['true', 'true'], ['True', 'true'], ['TRUE', 'true'],
  ['false', 'false'], ['False', 'false'], ['FALSE', 'false'],
  ['null', 'null'], ['Null', 'null'], ['NULL', 'null'], ['None', 'null'],
]);

const SIMPLE_ESCAPES = '"\\/bfnrt';
const WORD_START = /[A-Za-z_$]/;
const WORD_CHAR = /[A-Za-z0-9_$]/;
const NUMBER_START = /[-0-9]/;
const NUMBER_CHAR = /[-+0-9.eE]/;
const SPACE = /\s/;

type Scan =
  | { kind: 'complete'; json: string; end: number }
  | { kind: 'mismatched'; end: number }
  | { kind: 'truncated' }
  | { kind: 'too-deep' };

function nextNonSpace(text: string, from: number): string | undefined {
  let i = from;
  while (i < text.length && SPACE.test(text[i]!)) i++;
  return text[i];
}

/**
 * A quote closes its string only where JSON could go on after a string: before
 * `,` `:` `}` `]` or the end. Valid JSON always has that, and it lets
 * `'Caroline's dog'` and `"she said "hi" to me"` read as one string each.
 */
function closesString(text: string, after: number): boolean {
  const next = nextNonSpace(text, after);
  return next === undefined || next === ',' || next === ':' || next === '}' || next === ']';
}

/** The string opened by the quote at `start`, as a JSON string literal, and where it ends; null when cut off. */
function scanString(text: string, start: number): { json: string; end: number } | null {
  const closers = CLOSERS.get(text[start]!) ?? '"';
  let out = '"';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) return null;
      if (SIMPLE_ESCAPES.includes(next)) {
        out += c + next;
        i += 2;
      } else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        out += text.slice(i, i + 6);
        i += 6;
      } else if (CLOSERS.has(next)) {
        out += next; // \' and escaped curly quotes: the quote itself
        i += 2;
      } else {
        out += '\\\\'; // a lone backslash is a backslash
        i += 1;
      }
    } else if (closers.includes(c) && closesString(text, i + 1)) {
      return { json: `${out}"`, end: i + 1 };
    } else if (c === '"') {
      out += '\\"';
      i += 1;
    } else if (c < ' ') {
      out += `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return null;
}

/** Reads from the `{` or `[` at `start` to its matching bracket, rewriting it as strict JSON on the way. */
function scanValue(text: string, start: number): Scan {
  const expected: string[] = [];
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '{' || c === '[') {
      if (expected.length >= MAX_DEPTH) return { kind: 'too-deep' };
      expected.push(c === '{' ? '}' : ']');
      out += c;
      i += 1;
    } else if (c === '}' || c === ']') {
      if (expected.pop() !== c) return { kind: 'mismatched', end: i + 1 };
      out += c;
      i += 1;
      if (expected.length === 0) return { kind: 'complete', json: out, end: i };
    } else if (c === ',') {
      const next = nextNonSpace(text, i + 1);
      if (next !== '}' && next !== ']') out += c; // a trailing comma is dropped
      i += 1;
    } else if (CLOSERS.has(c)) {
      const string = scanString(text, i);
      if (!string) return { kind: 'truncated' };
      out += string.json;
      i = string.end;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < text.length && WORD_CHAR.test(text[end]!)) end++;
      const word = text.slice(i, end);
      out += BARE_WORDS.get(word) ?? JSON.stringify(word);
      i = end;
    } else if (NUMBER_START.test(c)) {
      let end = i + 1;
      while (end < text.length && NUMBER_CHAR.test(text[end]!)) end++;
      out += text.slice(i, end); // JSON.parse judges it
      i = end;
    } else {
      out += c;
      i += 1;
    }
  }
  return { kind: 'truncated' };
}

type Parsed = { ok: true; value: unknown } | { ok: false };

function parseStrict(json: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(json) };
  } catch {
    return { ok: false };
  }
}

/** The first JSON object or list in `region` that `accept` takes. */
function firstAccepted(region: string, accept: (value: unknown) => boolean): JsonExtraction {
  const opener = /[{[]/g;
  let reason = 'no JSON object or list in the output';
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const match = opener.exec(region);
    if (!match) return { ok: false, reason };
    const scan = scanValue(region, match.index);
    if (scan.kind === 'truncated') return { ok: false, reason: 'JSON is cut off before its end' };
    if (scan.kind === 'too-deep') return { ok: false, reason: `JSON is nested more than ${MAX_DEPTH} levels deep` };
    if (scan.kind === 'mismatched') {
      reason = 'JSON brackets do not match';
    } else {
      const parsed = parseStrict(scan.json);
      if (parsed.ok && accept(parsed.value)) return parsed;
      reason = parsed.ok ? 'JSON found, but not in the expected format' : 'JSON is not valid, even after repair';
    }
    opener.lastIndex = scan.end; // nothing inside a failed candidate is tried on its own
  }
  return { ok: false, reason: `${reason} (gave up after ${MAX_ATTEMPTS} candidates)` };
}

/** The content of the first fenced code block, when there is one. */
function fencedBlock(text: string): string | null {
  return /```[A-Za-z0-9_-]*[^\S\n]*\n?([\s\S]*?)```/.exec(text)?.[1] ?? null;
}

/**
 * The first JSON object or list in `text` that `accept` takes: inside the
 * first code fence if there is one, else anywhere. A rejected or broken
 * candidate is skipped whole, so a fragment inside it is never taken instead.
 */
export function findJson(text: string, accept: (value: unknown) => boolean): JsonExtraction {
  const tooLong = tooLongReason(text.length);
  if (tooLong) return { ok: false, reason: tooLong };
  const fenced = fencedBlock(text);
  const first = firstAccepted(fenced ?? text, accept);
  if (first.ok || fenced === null) return first;
  const anywhere = firstAccepted(text, accept);
  return anywhere.ok ? anywhere : first;
}

/** The first JSON object or list in `text`, repaired as `findJson` does. */
export function extractJson(text: string): JsonExtraction {
  return findJson(text, () => true);
}

/** A JSON object (not a list, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
