/**
 * Limits on, and clean-up of, text taken from model output. Whatever passes
 * here can go into the memory store (DESIGN §3) and the operation journal
 * without being refused: well-formed Unicode, one line, bounded length.
 */

/** Model output longer than this is refused unread: a reply this long is degenerate, and parsing stays bounded. */
export const MAX_OUTPUT_CHARS = 100_000;

/** A fact or a memory is one sentence; anything longer is not one. */
export const MAX_FACT_CHARS = 1_000;

// Control characters, line and paragraph separators: a memory is one line.
const BREAKS_AND_CONTROLS = /[\u0000-\u001f\u007f\u2028\u2029]/g;

/** One line of well-formed text: lone surrogates become U+FFFD, controls and line breaks spaces, runs of spaces one. */
export function cleanLine(value: string): string {
  return value.toWellFormed().replace(BREAKS_AND_CONTROLS, ' ').replace(/\s+/g, ' ').trim();
}

/** A short excerpt of model output for a reason string. */
export function excerpt(value: string, max = 40): string {
  const line = cleanLine(value.slice(0, max * 2));
  return JSON.stringify(line.length > max ? `${line.slice(0, max)}…` : line);
}

/** `a number`, `a list`, `an object`…: what a JSON value is, for a reason string. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export type MemoryTextResult = { ok: true; text: string } | { ok: false; reason: string };

/** `value` as the text of a fact or memory, or why it cannot be one. */
export function memoryText(value: unknown): MemoryTextResult {
  if (value === undefined || value === null) return { ok: false, reason: 'no text' };
  if (typeof value !== 'string') return { ok: false, reason: `text is ${kindOf(value)}, not a string` };
  const text = cleanLine(value);
  if (!text) return { ok: false, reason: 'text is empty' };
  if (text.length > MAX_FACT_CHARS) {
    return { ok: false, reason: `text is ${text.length.toLocaleString('en')} characters; the limit is ${MAX_FACT_CHARS.toLocaleString('en')}` };
  }
  return { ok: true, text };
}

/** Why an output of `length` characters is refused, or null when it is within the limit. */
export function tooLongReason(length: number): string | null {
  return length > MAX_OUTPUT_CHARS
    ? `output too long (${length.toLocaleString('en')} characters; the limit is ${MAX_OUTPUT_CHARS.toLocaleString('en')})`
    : null;
}

