/** The records the memory store keeps (DESIGN §3), as plain objects. */

export interface MemoryRecord {
  id: string;
  /** One fact, in one sentence. */
  text: string;
  vector: Float32Array;
  /** Whom the fact is about: the user, the assistant, a named speaker. */
  subject: string;
  /** When it happened or was said, ISO 8601 UTC; null when unknown. */
  event_time: string | null;
  created_at: string;
  updated_at: string;
  /** Ids of the messages it was derived from (LoCoMo: dia_ids). */
  sources: string[];
  /** 1 on ADD, +1 on every UPDATE. */
  version: number;
  /** The project or tool it belongs to (models/contract/scopes.ts); `personal` by default. */
  scope: string;
}

export const OP_KINDS = ['ADD', 'UPDATE', 'DELETE', 'NOOP'] as const;
export type OpKind = (typeof OP_KINDS)[number];

/**
 * `pending` is written before the memory table changes and exists only until
 * the change is committed (or, after a crash, until recovery completes it).
 * `superseded`: the memory changed again before the user reviewed the
 * operation, and the user let it leave the review queue unjudged (still in effect).
 */
export const OP_STATUSES = ['pending', 'applied', 'accepted', 'rejected', 'edited', 'undone', 'superseded'] as const;
export type OpStatus = (typeof OP_STATUSES)[number];

export interface Fact {
  text: string;
  sources: string[];
}

export interface OperationRecord {
  op_id: string;
  /** Position in the journal; strictly increasing. */
  seq: number;
  at: string;
  kind: OpKind;
  memory_id: string | null;
  before: MemoryRecord | null;
  after: MemoryRecord | null;
  fact: Fact | null;
  /** `user`, `import`, or `manager@<policy version>`. */
  origin: string;
  status: OpStatus;
  turn_id: string | null;
  /** For an undo: the operation it reverted. */
  undoes: string | null;
  /** The scope of its memory (after the change; a delete's: before it), else of the chat or tool that decided it. */
  scope: string;
}

/** A memory as callers see it in listings and exports: the vector is left out unless asked for. */
export type MemoryView = Omit<MemoryRecord, 'vector'>;

export function withoutVector(record: MemoryRecord): MemoryView {
  const { vector: _vector, ...view } = record;
  return view;
}

/** An operation as callers see it: its before/after snapshots without their vectors. */
export interface OperationView extends Omit<OperationRecord, 'before' | 'after'> {
  before: MemoryView | null;
  after: MemoryView | null;
}

export function operationView(op: OperationRecord): OperationView {
  return { ...op, before: op.before && withoutVector(op.before), after: op.after && withoutVector(op.after) };
}
