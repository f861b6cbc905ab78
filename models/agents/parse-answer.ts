/**
 * Reads the answer agent's reply (to `answerPrompt`): the memories it selected,
 * then `**Answer:**` and a short answer (Memory-R1's format). Never throws: a
 * reply without a usable answer gives an empty answer and the reason.
 */
import { cleanLine, tooLongReason } from './output-text.js';

export interface ParsedAnswer {
  /** One line, at most `MAX_ANSWER_CHARS`; empty when there is none. */
  answer: string;
  /** The memory lines listed before the answer, without list bullets, as the model wrote them. */
  selected: string[];
  reason?: string;
}

/** The prompt asks for under 6 words; this bounds a rambling answer. */
export const MAX_ANSWER_CHARS = 300;
/** The answer agent is given at most 60 memories (30 per speaker). */
export const MAX_SELECTED = 60;
const MAX_SELECTED_LINE_CHARS = 2_000;

/**
 * `**Answer:**`, `**Answer**:`, `Answer:`, `Final answer -`, `### Answer`
 * (then the answer on the next line), in any case; the answer may follow on
 * the same line.
 */
const ANSWER_MARKER = /^[\s>#*_-]*(?:final\s+|short\s+)?answer[\s*_]*(?:[:\uff1a\u2013\u2014-]|$)([\s\S]*)$/i;
const BULLET = /^\s*(?:[-*+\u2022]|\d{1,3}[.)])\s+/;
/** `Relevant memories:` and the like: a short line that only introduces what follows. */
const HEADING = /^[^:]{0,60}:$/;
const DECORATION = /^[\s*_`]+|[\s*_`]+$/g;
const QUOTED = /^(["'\u201c\u2018])([\s\S]*)["'\u201d\u2019]$/;

function cleanAnswer(raw: string): string {
  const line = cleanLine(raw).replace(DECORATION, '');
  return (QUOTED.exec(line)?.[2] ?? line).trim();
}

function selectedLines(lines: readonly string[]): string[] {
  return lines
    .map((line) => cleanLine(line.replace(BULLET, '').slice(0, MAX_SELECTED_LINE_CHARS)))
    .filter((line) => line && !HEADING.test(line))
    .slice(0, MAX_SELECTED);
}

function withAnswer(raw: string, selected: string[], reasonIfEmpty: string, note?: string): ParsedAnswer {
  const cleaned = cleanAnswer(raw);
  if (!cleaned) return { answer: '', selected, reason: reasonIfEmpty };
  if (cleaned.length > MAX_ANSWER_CHARS) {
    return { answer: cleaned.slice(0, MAX_ANSWER_CHARS).trim(), selected, reason: `answer cut to ${MAX_ANSWER_CHARS} characters` };
  }
  return note ? { answer: cleaned, selected, reason: note } : { answer: cleaned, selected };
}

/** The answer after the first answer marker, and the memory lines listed before it. */
export function parseAnswer(text: string): ParsedAnswer {
  const tooLong = tooLongReason(text.length);
  if (tooLong) return { answer: '', selected: [], reason: tooLong };
  const lines = text.split(/\r\n|\r|\n/);
  const markerAt = lines.findIndex((line) => ANSWER_MARKER.test(line));
  if (markerAt >= 0) {
    const selected = selectedLines(lines.slice(0, markerAt));
    const sameLine = ANSWER_MARKER.exec(lines[markerAt]!)?.[1] ?? '';
    const nextLine = lines.slice(markerAt + 1).find((line) => cleanAnswer(line)) ?? '';
    return withAnswer(cleanAnswer(sameLine) ? sameLine : nextLine, selected, 'nothing after "**Answer:**"');
  }
  const content = lines.filter((line) => cleanLine(line));
  if (content.length === 1 && !HEADING.test(cleanLine(content[0]!))) {
    return withAnswer(content[0]!, [], 'empty reply', 'no "**Answer:**" marker; took the one-line reply as the answer');
  }
  return { answer: '', selected: selectedLines(lines), reason: content.length ? 'no "**Answer:**" line in the reply' : 'empty reply' };
}
