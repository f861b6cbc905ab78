/**
 * Reads the LLM judge's label (the reply to `judgePrompt`). Never throws: a
 * reply without a clear label counts as WRONG, with the reason, so a broken
 * judge can only lower the score.
 */
import { schemaReason } from '../util/zod-reason.js';
import { z } from 'zod';
import { findJson, isJsonObject } from './json-extraction.js';
import { excerpt, tooLongReason } from './output-text.js';

export type JudgeLabel = 'CORRECT' | 'WRONG';

export interface JudgeVerdict {
  label: JudgeLabel;
  reason?: string;
}

const JudgeReply = z.object({ label: z.string() });

function looksLikeVerdict(value: unknown): boolean {
  return isJsonObject(value) && Object.hasOwn(value, 'label');
}

/** CORRECT / WRONG / INCORRECT in any case and decoration (`"Correct."`, `**WRONG**`); null otherwise. */
function labelFromWord(word: string): JudgeLabel | null {
  switch (word.toUpperCase().replace(/^[^A-Z]+|[^A-Z]+$/g, '')) {
    case 'CORRECT':
      return 'CORRECT';
    case 'WRONG':
    case 'INCORRECT':
      return 'WRONG';
    default:
      return null;
  }
}

const UPPERCASE_LABEL = /\b(?:CORRECT|WRONG|INCORRECT)\b/g;
const LABEL_FIELD = /\blabel\W{0,4}(correct|wrong|incorrect)\b/i;

/**
 * The label in `{"label": …}`; failing that, in `label: correct`; failing that,
 * the one upper-case label word the reply uses (Mem0's judge ends on CORRECT or
 * WRONG); failing that, a reply that is nothing but a label word. Lower-case
 * "correct" in prose is not taken ("not correct" would read as CORRECT).
 */
export function parseJudge(text: string): JudgeVerdict {
  const tooLong = tooLongReason(text.length);
  if (tooLong) return { label: 'WRONG', reason: tooLong };
  const json = findJson(text, looksLikeVerdict);
  if (json.ok) {
    const reply = JudgeReply.safeParse(json.value);
    if (!reply.success) return { label: 'WRONG', reason: `unusable label: ${schemaReason(reply.error)}` };
    const label = labelFromWord(reply.data.label);
    return label ? { label } : { label: 'WRONG', reason: `unknown label ${excerpt(reply.data.label)}` };
  }
  const field = LABEL_FIELD.exec(text)?.[1];
  if (field) return { label: labelFromWord(field) ?? 'WRONG' };
  const shouted = new Set(Array.from(text.matchAll(UPPERCASE_LABEL), (m) => labelFromWord(m[0])));
  if (shouted.size > 1) return { label: 'WRONG', reason: 'the reply says both CORRECT and WRONG' };
  const only = shouted.size === 1 ? [...shouted][0] : labelFromWord(text.length <= 40 ? text : '');
  return only ? { label: only } : { label: 'WRONG', reason: `no label found (${json.reason})` };
}
