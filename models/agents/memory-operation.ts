/**
 * A memory operation as the manager's model output describes it, checked
 * against the memories the model was shown. Shared by the single-fact decision
 * (Memory-R1) and Mem0's batch update: the same events, the same id rules.
 */
import { z } from 'zod';
import type { OpKind } from '../memory/records.js';
import { excerpt, memoryText } from './output-text.js';

/**
 * What the manager decided for one fact. ADD adds the fact itself (Memory-R1),
 * so it carries no text: prose after a bare `ADD` can never become a memory.
 * UPDATE and DELETE always name one of the memories the model was shown (by
 * its real id); an unusable answer is a NOOP whose `reason` says why (a NOOP
 * the model chose itself has no reason).
 */
export type UpdateDecision =
  | { event: 'ADD' }
  | { event: 'UPDATE'; targetId: string; /** The merged text. */ text: string }
  | { event: 'DELETE'; targetId: string }
  | { event: 'NOOP'; reason?: string };

export function noop(reason: string): { event: 'NOOP'; reason: string } {
  return { event: 'NOOP', reason };
}

/** One operation as the model wrote it; `action` / `operation` and `memory_id` are names models use for `event` and `id`. */
export const RawOperation = z.object({
  event: z.string().optional(),
  action: z.string().optional(),
  operation: z.string().optional(),
  id: z.union([z.string(), z.number()]).nullish(),
  memory_id: z.union([z.string(), z.number()]).nullish(),
  text: z.unknown().optional(),
});
export type RawOperation = z.output<typeof RawOperation>;

/**
 * ADD, UPDATE, DELETE and NONE as Mem0 and Memory-R1 write them, in any case,
 * with any punctuation around them and any spaces, `_` or `-` inside; NONE,
 * NOOP, NO-OP and NO CHANGE are all NOOP. Null when unknown.
 */
export function eventFromWord(word: string): OpKind | null {
  switch (word.toUpperCase().replace(/^[^A-Z]+|[^A-Z]+$/g, '').replace(/[\s_-]+/g, '')) {
    case 'ADD':
      return 'ADD';
    case 'UPDATE':
      return 'UPDATE';
    case 'DELETE':
      return 'DELETE';
    case 'NONE':
    case 'NOOP':
    case 'NOCHANGE':
      return 'NOOP';
    default:
      return null;
  }
}

/**
 * The real id the model meant, or null. The prompts show memories by position
 * ("0", "1", …, see prompts.ts), so a small non-negative integer is a position
 * in `ids`; the real id itself, copied verbatim, is accepted too.
 */
export function resolveMemoryId(raw: string | number, ids: readonly string[]): string | null {
  const key = String(raw).trim();
  if (/^\d{1,6}$/.test(key)) {
    const byPosition = ids[Number(key)];
    if (byPosition !== undefined) return byPosition;
  }
  return ids.includes(key) ? key : null;
}

/**
 * Checks one operation against the ids the model was shown; anything unusable
 * is a NOOP with a reason. An ADD's text is left to the caller (see `UpdateDecision`).
 */
export function decodeOperation(raw: RawOperation, ids: readonly string[]): UpdateDecision {
  const word = raw.event ?? raw.action ?? raw.operation;
  if (word === undefined) return noop('no "event" in the answer');
  const event = eventFromWord(word);
  if (event === null) return noop(`unknown event ${excerpt(word)}`);
  if (event === 'NOOP' || event === 'ADD') return { event };

  const rawId = raw.id ?? raw.memory_id;
  if (rawId === undefined || rawId === null || String(rawId).trim() === '') return noop(`${event} without a memory id`);
  const targetId = resolveMemoryId(rawId, ids);
  if (targetId === null) return noop(`${event} of unknown memory id ${excerpt(String(rawId))}`);
  if (event === 'DELETE') return { event, targetId };
  const text = memoryText(raw.text);
  return text.ok ? { event, targetId, text: text.text } : noop(`UPDATE without usable merged text (${text.reason})`);
}
