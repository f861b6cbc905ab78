/**
 * Reads the memory manager's single-fact decision (the reply to
 * `updateDecisionPrompt`). Never throws: an answer that cannot be used safely
 * is a NOOP with the reason, which the operation journal records.
 */
import { schemaReason } from '../util/zod-reason.js';
import { findJson, isJsonObject } from './json-extraction.js';
import { decodeOperation, eventFromWord, noop, RawOperation, resolveMemoryId, type UpdateDecision } from './memory-operation.js';
import { excerpt, memoryText, tooLongReason } from './output-text.js';

export type { UpdateDecision } from './memory-operation.js';

/** Lines looked at for a bare-word decision, and how much of each. */
const MAX_LINES = 100;
const MAX_LINE_CHARS = 2_000;

/**
 * The bare-word grammar, for replies with no JSON decision. The first line that
 * starts with an event word is the decision:
 *
 *   line  = [decoration] [label sep] EVENT [decoration] [sep] rest
 *   EVENT = ADD | UPDATE | DELETE | NONE | NOOP | NO-OP | NO CHANGE   (any case)
 *   label = event | decision | operation | action | answer
 *
 * For UPDATE and DELETE, `rest` starts with the memory id, optionally written
 * `id 2`, `memory 2`, `#2`, `[2]` or `"2"`; for UPDATE the remainder is the
 * merged text (quotes around it are dropped). `rest` is ignored for ADD and
 * NONE. Examples: `ADD`, `**UPDATE** 2: Caroline has two dogs.`, `DELETE 1`,
 * `Event: NONE`.
 */
const EVENT_LINE =
  /^[\s>*_#`"'-]*(?:(?:event|decision|operation|action|answer)\s*[:=-]\s*[*_`"']*)?(ADD|UPDATE|DELETE|NONE|NO[\s_-]?OP|NO[\s_-]?CHANGE)\b[*_`"']*[\s:,.=-]*([\s\S]*)$/i;
const ID_PREFIX = /^(?:(?:memory|mem|id)\b\s*)?(?:[:=#]\s*)?[[("'`]?([^\s,:;.\])"'`]+)[\])"'`]?[\s,:;.=>-]*([\s\S]*)$/i;
const QUOTED = /^["'`\u201c\u2018]([\s\S]*)["'`\u201d\u2019]$/;

function unquote(text: string): string {
  const trimmed = text.trim();
  return QUOTED.exec(trimmed)?.[1] ?? trimmed;
}

function bareWordDecision(text: string, ids: readonly string[]): UpdateDecision | null {
  for (const line of text.split('\n', MAX_LINES)) {
    const match = EVENT_LINE.exec(line.slice(0, MAX_LINE_CHARS));
    if (!match) continue;
    const event = eventFromWord(match[1]!);
    if (event === null) continue;
    if (event === 'NOOP' || event === 'ADD') return { event };
    const idMatch = ID_PREFIX.exec(match[2]!);
    if (!idMatch) return noop(`${event} without a memory id`);
    const targetId = resolveMemoryId(idMatch[1]!, ids);
    if (targetId === null) return noop(`${event} of unknown memory id ${excerpt(idMatch[1]!)}`);
    if (event === 'DELETE') return { event, targetId };
    const merged = memoryText(unquote(idMatch[2]!));
    return merged.ok ? { event, targetId, text: merged.text } : noop(`UPDATE without usable merged text (${merged.reason})`);
  }
  return null;
}

/** A decision object, or a list / Mem0 `{"memory": [...]}` holding exactly one. */
function singleOperation(value: unknown): unknown {
  const list = Array.isArray(value) ? value : isJsonObject(value) && Array.isArray(value.memory) ? value.memory : null;
  return list && list.length === 1 ? list[0] : value;
}

function looksLikeDecision(value: unknown): boolean {
  const single = singleOperation(value);
  return isJsonObject(single) && (Object.hasOwn(single, 'event') || Object.hasOwn(single, 'action') || Object.hasOwn(single, 'operation'));
}

/**
 * The decision in `text`, with UPDATE / DELETE targets mapped to real ids.
 * `relatedIds` are the real ids of the memories given to `updateDecisionPrompt`,
 * in the same order: the model's short id "2" is `relatedIds[2]`.
 * JSON `{"event", "id", "text"}` first, then the bare-word grammar above.
 */
export function parseUpdateDecision(text: string, relatedIds: readonly string[]): UpdateDecision {
  const tooLong = tooLongReason(text.length);
  if (tooLong) return noop(tooLong);
  const json = findJson(text, looksLikeDecision);
  if (json.ok) {
    const raw = RawOperation.safeParse(singleOperation(json.value));
    return raw.success ? decodeOperation(raw.data, relatedIds) : noop(`unusable decision: ${schemaReason(raw.error)}`);
  }
  return bareWordDecision(text, relatedIds) ?? noop(`no decision found (${json.reason}; no line starting with ADD, UPDATE, DELETE or NONE)`);
}
