/**
 * Reads Mem0's batch update (the reply to `batchUpdatePrompt`, the baseline).
 * Never throws; each entry gets the single-fact decision's safety checks, and
 * a memory is changed at most once per reply.
 */
import { schemaReason } from '../util/zod-reason.js';
import { z } from 'zod';
import { findJson, isJsonObject } from './json-extraction.js';
import { decodeOperation, noop, RawOperation, type UpdateDecision } from './memory-operation.js';
import { memoryText, tooLongReason } from './output-text.js';

/** As `UpdateDecision`, but an ADD carries its text: the batch format has no separate fact per entry. */
export type BatchOperation = Exclude<UpdateDecision, { event: 'ADD' }> | { event: 'ADD'; text: string };

export interface BatchUpdate {
  operations: BatchOperation[];
  /** Why nothing, or not everything, could be used. */
  reason?: string;
}

/** More entries than any retrieval gives memories plus facts; the rest are dropped. */
export const MAX_BATCH_OPERATIONS = 100;

const BatchReply = z.union([z.object({ memory: z.array(z.unknown()) }), z.array(z.unknown())]);

function looksLikeBatch(value: unknown): boolean {
  return Array.isArray(value) || (isJsonObject(value) && Object.hasOwn(value, 'memory'));
}

function decodeEntry(entry: unknown, ids: readonly string[]): BatchOperation {
  const raw = RawOperation.safeParse(entry);
  if (!raw.success) return noop(`unusable entry: ${schemaReason(raw.error)}`);
  const decision = decodeOperation(raw.data, ids);
  if (decision.event !== 'ADD') return decision;
  const text = memoryText(raw.data.text);
  return text.ok ? { event: 'ADD', text: text.text } : noop(`ADD without usable text (${text.reason})`);
}

/**
 * The operations in `text`, in order. `knownIds` are the real ids of the
 * memories given to `batchUpdatePrompt`, in the same order (short id "2" is
 * `knownIds[2]`). Mem0's NONE entries become reasonless NOOPs; an ADD's own id
 * is ignored; a second UPDATE or DELETE of the same memory becomes a NOOP.
 */
export function parseBatchUpdate(text: string, knownIds: readonly string[]): BatchUpdate {
  const tooLong = tooLongReason(text.length);
  if (tooLong) return { operations: [], reason: tooLong };
  const json = findJson(text, looksLikeBatch);
  if (!json.ok) return { operations: [], reason: `no operations found (${json.reason})` };
  const reply = BatchReply.safeParse(json.value);
  if (!reply.success) return { operations: [], reason: `expected {"memory": [...]} (${schemaReason(reply.error)})` };

  const entries = Array.isArray(reply.data) ? reply.data : reply.data.memory;
  const changed = new Set<string>();
  const operations = entries.slice(0, MAX_BATCH_OPERATIONS).map((entry): BatchOperation => {
    const operation = decodeEntry(entry, knownIds);
    if (operation.event !== 'UPDATE' && operation.event !== 'DELETE') return operation;
    if (changed.has(operation.targetId)) return noop(`memory ${operation.targetId} was already changed by an earlier entry`);
    changed.add(operation.targetId);
    return operation;
  });
  const unusable = operations.filter((op) => op.event === 'NOOP' && op.reason !== undefined).length;
  const notes = [
    ...(entries.length > MAX_BATCH_OPERATIONS ? [`kept the first ${MAX_BATCH_OPERATIONS} of ${entries.length} entries`] : []),
    ...(unusable ? [`${unusable} unusable ${unusable === 1 ? 'entry' : 'entries'} became NOOP`] : []),
  ];
  return notes.length ? { operations, reason: notes.join('; ') } : { operations };
}
