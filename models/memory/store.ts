import { randomUUID } from 'node:crypto';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { Embedder } from '../embed/embedder.js';
import { openDatabase, type DatabaseMeta, type OpenDatabaseOptions, type OpenedDatabase } from './database.js';
import { MemoryError } from './errors.js';
import { Journal, type OperationFilter } from './journal.js';
import { Maintenance } from './maintenance.js';
import { MemoryTable, type MemoryFilter, type ScoredMemory } from './memory-table.js';
import type { Fact, MemoryRecord, OperationRecord, OpStatus } from './records.js';
import { SerialQueue } from '../util/serial-queue.js';
import type { z } from 'zod';
import { AddMemoryInput, EditMemoryInput, PreservedFields, isoTime, memoryId, memoryText, parseInput } from './validate.js';

export interface StoreOptions extends Omit<OpenDatabaseOptions, 'embedder'> {
  /** Turns text into vectors; needed to create a database, add, edit text, and search by text. */
  embedder?: Embedder;
  /** Build the vector index once there are this many memories (default `VECTOR_INDEX_MIN_ROWS`). */
  vectorIndexMinRows?: number;
}

/** Who made a change and why; recorded in the journal. */
export interface ChangeContext {
  /** `user` (default), `import`, or `manager@<policy version>`. */
  origin?: string;
  turn_id?: string | null;
  fact?: Fact | null;
  /** The scope of the chat or tool that decided it: an operation without a memory (a NOOP on an empty scope) is filed there. */
  scope?: string;
}

/** `id`, `vector` and the preserved fields are for imports and benchmarks; a normal add gives only content. */
export type AddInput = AddMemoryInput & z.input<typeof PreservedFields> & { id?: string; vector?: Float32Array };

export type SearchMode = 'vector' | 'text' | 'hybrid';

export interface SearchOptions extends MemoryFilter {
  /** How many results (default 10, at most 1,000). */
  k?: number;
  mode?: SearchMode;
  /**
   * Vector mode: ask LanceDB itself instead of the in-memory mirror (which is
   * exact and faster): `exact` scans every row, the reference the mirror is
   * tested against; `index` uses its IVF index where one was built.
   */
  lance?: 'exact' | 'index';
}

export interface ListOptions extends MemoryFilter {
  offset?: number;
  limit?: number;
}

/** A planned journal entry, before it gets its id, time, status and position. */
type PlannedOp = Pick<OperationRecord, 'kind' | 'memory_id' | 'before' | 'after'> & { undoes?: string | null };

/** Compact the tables after this many commits: LanceDB writes a fragment per commit. */
const COMPACT_EVERY = 200;
/** After a failed compaction, commits before it is tried again (a failing one should not slow every write). */
const RETRY_COMPACTION_AFTER = 30;
const FINAL_STATUSES = new Set(['applied', 'accepted', 'edited', 'superseded']);

export type ReviewStatus = Extract<OpStatus, 'accepted' | 'rejected' | 'edited' | 'superseded'>;
/** The statuses an operation may have when it is reviewed; a rejected operation was reverted (`undone`) first. */
const REVIEWABLE: Record<ReviewStatus, readonly OpStatus[]> = {
  accepted: ['applied', 'edited'],
  edited: ['applied', 'accepted', 'edited'],
  rejected: ['applied', 'accepted', 'edited', 'undone'],
  superseded: ['applied'],
};

/**
 * One profile's memory: the memories, the operation journal that makes every
 * change undoable and crash-safe, and search over both vectors and text.
 *
 * Every change is written to the journal as `pending`, then applied to the
 * memory table in one LanceDB commit, then marked `applied`. Opening the store
 * completes any change a crash interrupted, from the journal's snapshot.
 */
export class MemoryStore {
  private readonly writes = new SerialQueue();
  private commitsSinceCompaction = 0;
  /** Commits to wait before the next compaction attempt after one failed. */
  private compactionBackoff = 0;
  private closed = false;

  private constructor(
    private readonly db: OpenedDatabase,
    /** Post-commit work that failed and waits for its retry (`memr1 doctor`, the Settings screen). */
    readonly maintenance: Maintenance,
    private readonly memories: MemoryTable,
    private readonly journal: Journal,
    private readonly embedder: Embedder | undefined,
    readonly uri: string,
    private readonly readOnly: boolean,
  ) {}

  static async open(options: StoreOptions): Promise<MemoryStore> {
    const { embedder, vectorIndexMinRows, ...rest } = options;
    const db = await openDatabase({ ...rest, embedder });
    try {
      const store = new MemoryStore(
        db,
        Maintenance.load(db.folder),
        new MemoryTable(db.tables.memories, vectorIndexMinRows, !options.readOnly),
        await Journal.open(db.tables.operations),
        embedder,
        options.uri,
        options.readOnly ?? false,
      );
      if (store.readOnly) await store.memories.refreshVectorIndex(false);
      else {
        await store.recover();
        // Building the index is part of compaction, hence maintenance: a failure leaves exact search and a
        // warning, and every compaction builds it again. A compaction that failed in an earlier run is retried here.
        const retry = store.maintenance.pending('compaction');
        await store.maintenance.run(
          'compaction',
          async () => {
            await store.memories.refreshVectorIndex(true);
            if (retry) await store.compact();
          },
          retry,
        );
      }
      return store;
    } catch (error) {
      db.lock?.release();
      throw error;
    }
  }

  /** Which embedder made the stored vectors, and their dimension. */
  get meta(): DatabaseMeta {
    return this.db.meta;
  }

  /** The LanceDB tables, for the sibling logs (messages, feedback) and benchmarks. */
  get tables(): OpenedDatabase['tables'] {
    return this.db.tables;
  }

  // ---- reads -------------------------------------------------------------

  async get(id: string): Promise<MemoryRecord> {
    this.assertOpen();
    const memory = await this.memories.get(parseInput(memoryId, id));
    if (!memory) throw new MemoryError('NOT_FOUND', `no memory with id ${id}`);
    return memory;
  }

  async list(options: ListOptions = {}): Promise<{ total: number; items: MemoryRecord[] }> {
    this.assertOpen();
    const filter = normalizeFilter(options);
    const offset = Math.max(0, Math.trunc(options.offset ?? 0));
    const limit = Math.min(1000, Math.max(1, Math.trunc(options.limit ?? 50)));
    const [total, items] = await Promise.all([this.memories.count(filter), this.memories.list(filter, offset, limit)]);
    return { total, items };
  }

  /** Every memory, oldest first, streamed in batches (for export). */
  all(): AsyncGenerator<MemoryRecord> {
    this.assertOpen();
    return this.memories.all();
  }

  async count(filter: MemoryFilter = {}): Promise<number> {
    this.assertOpen();
    return this.memories.count(normalizeFilter(filter));
  }

  /** How many memories each scope holds (scopes without memories are not listed). */
  async scopeCounts(): Promise<Map<string, number>> {
    this.assertOpen();
    return this.memories.scopeCounts();
  }

  /** Vector (default), full-text (BM25) or hybrid (both, fused by reciprocal rank) search. */
  async search(query: string | Float32Array, options: SearchOptions = {}): Promise<ScoredMemory[]> {
    this.assertOpen();
    const k = Math.min(1000, Math.max(1, Math.trunc(options.k ?? 10)));
    const filter = normalizeFilter(options);
    const mode = options.mode ?? 'vector';
    if (query instanceof Float32Array) {
      if (mode !== 'vector') throw new MemoryError('INVALID_INPUT', `a vector query needs mode "vector", not "${mode}"`);
      return this.memories.vectorSearch(this.checkVector(query), k, filter, options.lance);
    }
    const text = parseInput(memoryText, query);
    if (mode === 'text') return this.memories.textSearch(text, k, filter);
    const vector = this.checkVector((await this.requireEmbedder('search by meaning').embed([text]))[0]!);
    if (mode === 'hybrid') return this.memories.hybridSearch(text, vector, k, filter);
    return this.memories.vectorSearch(vector, k, filter, options.lance);
  }

  /** Memory held by the in-memory copy that answers vector search (for `memr1 bench perf`). */
  vectorMirrorBytes(): Promise<number> {
    this.assertOpen();
    return this.memories.mirrorBytes();
  }

  /** The journal of one memory, oldest first (the memory itself may be deleted). NOT_FOUND when neither the memory nor any entry exists. */
  async history(id: string): Promise<OperationRecord[]> {
    this.assertOpen();
    const ops = await this.journal.history(parseInput(memoryId, id));
    // A memory loaded without the journal (a benchmark's bulk load) has no entries yet, and is still known.
    if (!ops.length && !(await this.memories.get(id))) throw new MemoryError('NOT_FOUND', `no memory with id ${id}, and no operation on one`);
    return ops;
  }

  async operation(opId: string): Promise<OperationRecord> {
    this.assertOpen();
    const op = await this.journal.get(parseInput(memoryId, opId));
    if (!op) throw new MemoryError('NOT_FOUND', `no operation with id ${opId}`);
    return op;
  }

  /**
   * Whether the memory an operation changed has changed again since: null when
   * it is still exactly as the operation left it (or the operation changed
   * nothing), else the memory as it is now (null `current`: deleted since).
   */
  async changedSince(op: OperationRecord): Promise<{ current: MemoryRecord | null } | null> {
    this.assertOpen();
    if (op.kind === 'NOOP' || op.memory_id === null) return null;
    const current = (await this.memories.get(op.memory_id)) ?? null;
    return sameVersion(current, op.after) ? null : { current };
  }

  /** `changedSince` for many operations at once (one read of their memories): by op id, only those that changed. */
  async changedSinceMany(ops: readonly OperationRecord[]): Promise<Map<string, { current: MemoryRecord | null }>> {
    this.assertOpen();
    const targets = ops.filter((op) => op.kind !== 'NOOP' && op.memory_id !== null);
    const memories = await this.memories.getMany(targets.map((op) => op.memory_id!));
    const changed = new Map<string, { current: MemoryRecord | null }>();
    for (const op of targets) {
      const current = memories.get(op.memory_id!) ?? null;
      if (!sameVersion(current, op.after)) changed.set(op.op_id, { current });
    }
    return changed;
  }

  async recentOperations(limit = 50, offset = 0, filter: OperationFilter = {}): Promise<OperationRecord[]> {
    this.assertOpen();
    return this.journal.recent(limit, offset, filter);
  }

  // ---- changes -----------------------------------------------------------

  async add(input: AddInput, context: ChangeContext = {}): Promise<OperationRecord> {
    const [op] = await this.addMany([input], context);
    return op!;
  }

  /** Adds many memories with three commits in all (journal, memories, journal). */
  async addMany(inputs: readonly AddInput[], context: ChangeContext = {}): Promise<OperationRecord[]> {
    this.assertWritable();
    const parsed = inputs.map((input, i) => {
      try {
        const preserved = parseInput(PreservedFields, { created_at: input.created_at, updated_at: input.updated_at, version: input.version });
        return { ...parseInput(AddMemoryInput, input), ...preserved, id: input.id, vector: input.vector };
      } catch (error) {
        throw inputs.length > 1 && error instanceof MemoryError ? new MemoryError(error.code, `item ${i}: ${error.message}`) : error;
      }
    });
    const missing = parsed.filter((p) => !p.vector);
    const embedded = missing.length ? await this.requireEmbedder('add memories').embed(missing.map((p) => p.text)) : [];
    let next = 0;
    const now = new Date().toISOString();
    const planned = parsed.map((p): PlannedOp => {
      const vector = this.checkVector(p.vector ?? embedded[next++]!);
      const id = p.id === undefined ? randomUUID() : parseInput(memoryId, p.id);
      const after: MemoryRecord = {
        id,
        text: p.text,
        vector,
        subject: p.subject,
        event_time: p.event_time,
        created_at: p.created_at ?? now,
        updated_at: p.updated_at ?? p.created_at ?? now,
        sources: p.sources,
        version: p.version ?? 1,
        scope: p.scope,
      };
      return { kind: 'ADD', memory_id: id, before: null, after };
    });
    return this.commit(planned, context, async (ops) => {
      for (const op of ops) {
        if (await this.memories.get(op.memory_id!)) throw new MemoryError('CONFLICT', `a memory with id ${op.memory_id} already exists`);
      }
    });
  }

  /** Changes a memory's text, subject, time or sources: an UPDATE that bumps its version. */
  async edit(id: string, changes: EditMemoryInput & { vector?: Float32Array }, context: ChangeContext = {}): Promise<OperationRecord> {
    this.assertWritable();
    const parsed = parseInput(EditMemoryInput, changes);
    if (Object.values(parsed).every((v) => v === undefined) && !changes.vector) {
      throw new MemoryError('INVALID_INPUT', 'nothing to change: give a new text, subject, time, sources or scope');
    }
    const vector = changes.vector
      ? this.checkVector(changes.vector)
      : parsed.text !== undefined
        ? this.checkVector((await this.requireEmbedder('edit memory text').embed([parsed.text]))[0]!)
        : undefined;
    const [op] = await this.writes.run(async () => {
      const before = await this.get(id);
      const after: MemoryRecord = {
        ...before,
        text: parsed.text ?? before.text,
        subject: parsed.subject ?? before.subject,
        event_time: parsed.event_time === undefined ? before.event_time : parsed.event_time,
        sources: parsed.sources ?? before.sources,
        scope: parsed.scope ?? before.scope,
        vector: vector ?? before.vector,
        updated_at: new Date().toISOString(),
        version: before.version + 1,
      };
      return this.commitUnqueued([{ kind: 'UPDATE', memory_id: id, before, after }], context);
    });
    return op!;
  }

  async delete(id: string, context: ChangeContext = {}): Promise<OperationRecord> {
    this.assertWritable();
    const [op] = await this.writes.run(async () => {
      const before = await this.get(id);
      return this.commitUnqueued([{ kind: 'DELETE', memory_id: id, before, after: null }], context);
    });
    return op!;
  }

  /** Records a decision to change nothing (the manager's NOOP), for review and learning. */
  async noop(memoryIdOrNull: string | null, context: ChangeContext = {}): Promise<OperationRecord> {
    this.assertWritable();
    const [op] = await this.writes.run(async () => {
      const current = memoryIdOrNull === null ? null : await this.get(memoryIdOrNull);
      return this.commitUnqueued([{ kind: 'NOOP', memory_id: memoryIdOrNull, before: current, after: current }], context);
    });
    return op!;
  }

  /**
   * Reverts one operation by restoring the exact record it replaced, as a new
   * journal entry; the original is marked `undone`. Refused when the memory has
   * changed since (undo the later operation first).
   */
  async undo(opId: string, context: ChangeContext = {}): Promise<OperationRecord> {
    this.assertWritable();
    const [op] = await this.writes.run(async () => {
      const target = await this.operation(opId);
      if (target.kind === 'NOOP') throw new MemoryError('INVALID_INPUT', `operation ${opId} is a NOOP: it changed nothing, so there is nothing to undo`);
      if (!FINAL_STATUSES.has(target.status)) throw new MemoryError('CONFLICT', `operation ${opId} is ${target.status}; only an applied operation can be undone`);
      const id = target.memory_id!;
      const current = (await this.memories.get(id)) ?? null;
      if (!sameVersion(current, target.after)) {
        const later = (await this.journal.history(id)).filter((op) => op.seq > target.seq && FINAL_STATUSES.has(op.status));
        throw new MemoryError(
          'CONFLICT',
          `memory ${id} has changed since operation ${opId}; undo the later operation(s) first: ${later.map((op) => op.op_id).join(', ') || '(none found)'}`,
        );
      }
      const kind = target.kind === 'ADD' ? 'DELETE' : target.kind === 'DELETE' ? 'ADD' : 'UPDATE';
      const planned: PlannedOp = { kind, memory_id: id, before: current, after: target.before, undoes: target.op_id };
      return this.commitUnqueued([planned], { origin: 'user', ...context, fact: target.fact });
    });
    return op!;
  }

  /**
   * Records the user's review of an operation in its journal entry: accepted,
   * rejected (the caller reverts it first, with `undo`) or edited (the caller
   * journals the edit itself). The memories are not touched.
   */
  async review(opId: string, status: ReviewStatus): Promise<OperationRecord> {
    this.assertWritable();
    return this.writes.run(async () => {
      const op = await this.operation(opId);
      if (!REVIEWABLE[status].includes(op.status)) throw new MemoryError('CONFLICT', `operation ${opId} is ${op.status}; it cannot be marked ${status}`);
      await this.journal.setStatus([op.op_id], status);
      return { ...op, status };
    });
  }

  /** Flushes pending compaction (a failure stays a warning) and releases the profile lock, always. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.writes.run(async () => {
        if (!this.readOnly && this.commitsSinceCompaction > 0) await this.compactQuietly();
      });
    } finally {
      this.closed = true;
      try {
        for (const table of Object.values(this.db.tables)) table?.close();
        this.db.connection.close();
      } finally {
        this.db.lock?.release();
      }
    }
  }

  // ---- the write path ----------------------------------------------------

  private commit(planned: PlannedOp[], context: ChangeContext, check?: (ops: PlannedOp[]) => Promise<void>): Promise<OperationRecord[]> {
    return this.writes.run(async () => {
      await check?.(planned);
      return this.commitUnqueued(planned, context);
    });
  }

  /** Journal as pending, apply, mark applied. Callers hold the write queue. */
  private async commitUnqueued(planned: PlannedOp[], context: ChangeContext): Promise<OperationRecord[]> {
    const at = new Date().toISOString();
    const pending = await this.journal.append(
      planned.map((p) => ({
        op_id: randomUUID(),
        at,
        kind: p.kind,
        memory_id: p.memory_id,
        before: p.before,
        after: p.after,
        fact: context.fact ?? null,
        origin: context.origin ?? 'user',
        status: 'pending' as const,
        turn_id: context.turn_id ?? null,
        undoes: p.undoes ?? null,
        scope: p.after?.scope ?? p.before?.scope ?? context.scope ?? DEFAULT_SCOPE,
      })),
    );
    await this.apply(pending);
    await this.finish(pending);
    // Committed: from here on nothing may fail the operation (a caller told "failed" would retry and duplicate it).
    this.commitsSinceCompaction += 3;
    if (this.compactionBackoff > 0) this.compactionBackoff -= 1;
    else await this.compactQuietly(true);
    return pending.map((op) => ({ ...op, status: 'applied' }));
  }

  private async apply(ops: readonly OperationRecord[]): Promise<void> {
    const inserts: MemoryRecord[] = [];
    const puts: MemoryRecord[] = [];
    const removes: string[] = [];
    for (const op of ops) {
      if (op.kind === 'NOOP') continue;
      if (!op.after) removes.push(op.memory_id!);
      else if (op.kind === 'ADD' && !op.undoes) inserts.push(op.after); // a new id: a plain append
      else puts.push(op.after);
    }
    await this.memories.insert(inserts);
    await this.memories.put(puts);
    await this.memories.remove(removes);
  }

  private async finish(ops: readonly OperationRecord[]): Promise<void> {
    await this.journal.setStatus(ops.map((op) => op.op_id), 'applied');
    const undone = ops.flatMap((op) => (op.undoes ? [op.undoes] : []));
    await this.journal.setStatus(undone, 'undone');
  }

  /**
   * Completes every operation a crash left `pending`. LanceDB commits are
   * atomic, so each memory is either as before or as after; a change not yet
   * visible is applied again from the journal's snapshot (roll forward).
   */
  private async recover(): Promise<void> {
    const pending = await this.journal.withStatus('pending');
    for (const op of pending) {
      if (op.kind === 'NOOP') continue;
      const current = (await this.memories.get(op.memory_id!)) ?? null;
      if (sameVersion(current, op.after)) continue;
      if (op.after) await this.memories.put([op.after]);
      else await this.memories.remove([op.memory_id!]);
    }
    await this.finish(pending);
  }

  /**
   * Brings the memory table up to the journal after a restore rolled it back:
   * each memory whose state differs from its newest journaled operation's
   * result is set to that result, as one new journaled operation per memory
   * (origin `restore`, so it shows in the history and can be undone).
   */
  async replayJournal(): Promise<OperationRecord[]> {
    this.assertWritable();
    return this.writes.run(async () => {
      const planned: PlannedOp[] = [];
      for (const [id, op] of await this.journal.lastEffects()) {
        const current = (await this.memories.get(id)) ?? null;
        if (sameVersion(current, op.after)) continue;
        planned.push({ kind: !op.after ? 'DELETE' : current ? 'UPDATE' : 'ADD', memory_id: id, before: current, after: op.after });
      }
      return planned.length ? this.commitUnqueued(planned, { origin: 'restore' }) : [];
    });
  }

  /** Compacts the tables, folds new rows into the indexes, and builds the vector index when it pays off. */
  maintain(): Promise<void> {
    this.assertWritable();
    return this.writes.run(() => this.compact());
  }

  private async compact(): Promise<void> {
    await this.memories.optimize();
    await this.db.tables.operations.optimize();
    await this.memories.refreshVectorIndex();
    this.commitsSinceCompaction = 0;
  }

  /**
   * Post-commit compaction that never throws: a failure is recorded in
   * `maintenance` and retried after a few commits, at close, or at the next open.
   * `onlyIfDue`: only when enough commits piled up or the text index went stale.
   */
  private async compactQuietly(onlyIfDue = false): Promise<void> {
    let due = !onlyIfDue || this.commitsSinceCompaction >= COMPACT_EVERY || this.maintenance.pending('compaction');
    // Unreadable index statistics: compaction rebuilds them, and reports it if it cannot.
    if (!due) due = await this.memories.textIndexIsStale().catch(() => true);
    if (!due) return;
    if (!(await this.maintenance.run('compaction', () => this.compact(), true))) this.compactionBackoff = RETRY_COMPACTION_AFTER;
  }


  // ---- helpers -----------------------------------------------------------

  /** Checks a vector's size and values and returns it at unit length (search relies on that). */
  private checkVector(vector: Float32Array): Float32Array {
    if (vector.length !== this.db.meta.dimension) {
      throw new MemoryError('DIMENSION_MISMATCH', `vector has ${vector.length} dimensions; this database stores ${this.db.meta.dimension}-d vectors from ${this.db.meta.embedder_id}`);
    }
    if (!vector.every(Number.isFinite)) throw new MemoryError('INVALID_INPUT', 'vector contains NaN or infinite values');
    return toUnitLength(vector);
  }

  private requireEmbedder(purpose: string): Embedder {
    if (!this.embedder) throw new MemoryError('INVALID_INPUT', `an embedder is needed to ${purpose}; open the store with one`);
    return this.embedder;
  }

  private assertOpen(): void {
    if (this.closed) throw new MemoryError('CLOSED', 'the memory store is closed');
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new MemoryError('READ_ONLY', `the memory database at ${this.uri} was opened read-only`);
  }
}

/** True when `current` is exactly the state `expected` describes (both absent, or the same version). */
function sameVersion(current: MemoryRecord | null, expected: MemoryRecord | null): boolean {
  if (!current || !expected) return current === expected;
  return current.version === expected.version && current.updated_at === expected.updated_at && current.text === expected.text;
}

/** The vector scaled to length 1; returned as is when it already is (so stored bytes round-trip exactly). */
function toUnitLength(vector: Float32Array): Float32Array {
  let sumOfSquares = 0;
  for (const x of vector) sumOfSquares += x * x;
  if (sumOfSquares === 0) throw new MemoryError('INVALID_INPUT', 'vector is all zeros: it has no direction to compare');
  const norm = Math.sqrt(sumOfSquares);
  if (Math.abs(norm - 1) < 1e-5) return vector;
  return vector.map((x) => x / norm);
}

function normalizeFilter(filter: MemoryFilter): MemoryFilter {
  return {
    ...(filter.subject !== undefined ? { subject: filter.subject } : {}),
    ...(filter.scope !== undefined ? { scope: filter.scope } : {}),
    ...(filter.from !== undefined ? { from: parseInput(isoTime, filter.from) } : {}),
    ...(filter.to !== undefined ? { to: parseInput(isoTime, filter.to) } : {}),
  };
}
