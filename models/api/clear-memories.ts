import { randomUUID } from 'node:crypto';
import type { MemoryStore } from '../memory/store.js';
import { ApiError } from '../contract/api-error.js';

/** The journal's `turn_id` for the deletes of one "Clear all": what its undo looks up. */
const CLEAR_PREFIX = 'clear:';

/**
 * "Clear all memories": every memory deleted through the journal, each
 * DELETE tagged with one clear id, so one undo brings them all back exactly
 * (vectors, versions and sources included). One commit per memory: slower
 * than a bulk delete on a large bank, but every step is an ordinary,
 * crash-safe journaled change that the Memory screen's history shows too.
 */
export async function clearAllMemories(store: MemoryStore): Promise<{ clear_id: string; cleared: number }> {
  const clearId = `${CLEAR_PREFIX}${randomUUID()}`;
  const ids: string[] = [];
  for await (const memory of store.all()) ids.push(memory.id);
  for (const id of ids) await store.delete(id, { origin: 'user', turn_id: clearId });
  return { clear_id: clearId, cleared: ids.length };
}

/** Brings back every memory one "Clear all" deleted (newest delete first), unless it was brought back already. */
export async function undoClear(store: MemoryStore, clearId: string): Promise<{ restored: number }> {
  if (!clearId.startsWith(CLEAR_PREFIX)) throw new ApiError('NOT_FOUND', 'There is no "Clear all" with that id to undo.');
  const deletes = (await store.recentOperations(1_000_000, 0, { turn_id: clearId })).filter((op) => op.kind === 'DELETE' && op.status === 'applied');
  if (!deletes.length) throw new ApiError('NOT_FOUND', 'Nothing to bring back: that "Clear all" was undone already, or deleted nothing.');
  for (const op of deletes) await store.undo(op.op_id, { origin: 'user', turn_id: clearId });
  return { restored: deletes.length };
}
