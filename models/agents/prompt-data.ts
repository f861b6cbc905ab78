/**
 * How data (memories, messages, questions, answers) is written into prompts.
 *
 * Everything a user, a speaker or an earlier model wrote is data, never
 * instructions, so it is quoted: each value is a JSON string literal. JSON
 * escapes quotes, backslashes and line breaks, so one value can never span two
 * lines or end its own quotes; on top of that `<` and `>` are written as
 * `\u003c` / `\u003e` (as JSON embedded in HTML does), so a value cannot open
 * or close the `<memories>…</memories>` style blocks the prompts put data in.
 * The model still reads the value verbatim: JSON-decoding it gives it back.
 */

// U+2028/2029 are line breaks to many tokenizers and to `splitlines`, but JSON leaves them raw.
const UNSAFE_IN_PROMPTS = /[<>\u2028\u2029]/g;

/** `value` as a JSON string literal that cannot break out of a data block. */
export function quoteData(value: string): string {
  return JSON.stringify(value).replace(UNSAFE_IN_PROMPTS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One data item as a one-line JSON object, `{"id": "0", "text": "…"}`, fields in the given order. */
export function dataLine(fields: Readonly<Record<string, string>>): string {
  const entries = Object.entries(fields).map(([key, value]) => `${quoteData(key)}: ${quoteData(value)}`);
  return `{${entries.join(', ')}}`;
}

/** `lines` between `<tag>` and `</tag>`, or `(none)` inside when there are none. */
export function dataBlock(tag: string, lines: readonly string[]): string {
  return [`<${tag}>`, ...(lines.length ? lines : ['(none)']), `</${tag}>`].join('\n');
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * An event time the way LoCoMo writes session times (`1:56 pm on 8 May, 2023`),
 * the form the Memory-R1 prompts show the model; null when `time` is not a date.
 * Rendered in UTC: LoCoMo's times have no zone and are stored as UTC, so this
 * gives the original back. Midnight UTC reads as a date alone (`8 May, 2023`).
 */
function readableTime(time: string): string | null {
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return null;
  const d = new Date(ms);
  const date = `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}, ${d.getUTCFullYear()}`;
  const hours = d.getUTCHours();
  const minutes = d.getUTCMinutes();
  if (hours === 0 && minutes === 0 && d.getUTCSeconds() === 0 && d.getUTCMilliseconds() === 0) return date;
  return `${hours % 12 || 12}:${String(minutes).padStart(2, '0')} ${hours < 12 ? 'am' : 'pm'} on ${date}`;
}

const MAX_TIME_CHARS = 100;

/**
 * A time for a quoted field: readable when it is a date, else as given (a
 * caller may pass LoCoMo's own `1:56 pm on 8 May, 2023`, which `Date` cannot
 * parse), `unknown time` when missing. Not safe unquoted.
 */
export function formatEventTime(time: string | null | undefined): string {
  if (!time) return 'unknown time';
  return readableTime(time) ?? time.slice(0, MAX_TIME_CHARS);
}

/** A memory as the paper renders it, `<event_time>: <text>`, with the text (and a time that is not a date) quoted. */
export function memoryLine(time: string | null | undefined, text: string): string {
  const label = !time ? 'unknown time' : (readableTime(time) ?? quoteData(time.slice(0, MAX_TIME_CHARS)));
  return `${label}: ${quoteData(text)}`;
}
