import './lancedb-log.js';
import * as lancedb from '@lancedb/lancedb';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { MemoryRecord } from './records.js';
import { sqlString } from './validate.js';
import { VectorMirror } from './vector-mirror.js';

/** Filters every memory query accepts. Times are ISO 8601 UTC (compared as strings). */
export interface MemoryFilter {
  subject?: string;
  /** Only memories of this scope (a chat or tool sees its own scope, never another's). */
  scope?: string;
  /** Inclusive lower bound on `event_time`; memories without a time are excluded. */
  from?: string;
  /** Inclusive upper bound on `event_time`. */
  to?: string;
}

export interface ScoredMemory {
  memory: MemoryRecord;
  /** Higher is better. Vector: cosine similarity; text: BM25; hybrid: reciprocal-rank fusion. */
  score: number;
}

type Row = Record<string, unknown>;

/** The mirror (loaded, or loading) and the table version it reflects. */
interface MirrorEntry {
  ready: Promise<VectorMirror>;
  version: number;
}

/**
 * From this many memories LanceDB keeps an IVF_FLAT index (recall ~0.95
 * against exact) for the searches it answers itself: hybrid search, and
 * vector search without the mirror (read-only stores). The mirror's exact
 * scan is faster at every size (`memr1 bench perf`).
 */
export const VECTOR_INDEX_MIN_ROWS = 50_000;
/** The full-text (BM25) index on `text`, under LanceDB's default name for it. */
export const TEXT_INDEX = 'text_idx';
const STALE_TEXT_SHARE = 0.1;

/**
 * Stored and query vectors are unit length (the store normalises them), so
 * squared L2 ranks exactly as cosine: |a-b|^2 = 2 - 2cos(a,b). LanceDB's L2
 * kernel is several times faster than its cosine kernel (bench perf).
 */
function cosineFromSquaredL2(distance: number): number {
  return 1 - distance / 2;
}

function partitionsFor(rows: number): number {
  return Math.min(1024, Math.max(32, Math.round(Math.sqrt(rows) / 2.5)));
}

/** Two in five partitions: recall about 0.95 against exact search on clustered embeddings (see bench perf). */
function probesFor(rows: number): number {
  return Math.ceil(partitionsFor(rows) / 2.5);
}

/**
 * The `memories` table: typed reads and single-commit writes. It knows nothing
 * of the journal; `MemoryStore` decides when these are called.
 */
export class MemoryTable {
  /** IVF partitions probed per query, once there is a vector index. */
  private probes: number | undefined;
  /** The in-memory copy that answers vector search (see VectorMirror). */
  private mirror: MirrorEntry | undefined;

  constructor(
    readonly table: lancedb.Table,
    private readonly indexMinRows = VECTOR_INDEX_MIN_ROWS,
    /** Answer vector search from the mirror: it pays off in a store that serves many searches (the app), not in a one-shot read (the CLI's read-only opens). */
    private readonly useMirror = true,
  ) {}

  /**
   * Builds the vector index once the table is large enough for it to pay off,
   * and learns how many partitions to probe. Optimize (compaction) adds later
   * rows to the index; rows not yet indexed are still scanned exactly.
   */
  async refreshVectorIndex(build = true): Promise<void> {
    const existing = (await this.table.listIndices()).find((index) => index.columns.includes('vector'));
    if (existing) {
      if (this.probes === undefined) {
        const stats = await this.table.indexStats(existing.name);
        this.probes = probesFor(stats?.numIndexedRows ?? this.indexMinRows);
      }
      return;
    }
    const rows = await this.table.countRows();
    if (!build || rows < this.indexMinRows) return;
    await this.keepingContent(() => this.table.createIndex('vector', { config: lancedb.Index.ivfFlat({ distanceType: 'l2', numPartitions: partitionsFor(rows) }) }));
    this.probes = probesFor(rows);
  }

  /** Bytes the vector mirror holds (0 before the first vector search reads it). */
  async mirrorBytes(): Promise<number> {
    return this.mirror ? (await this.mirror.ready).bytes : 0;
  }

  /** Compacts the table's files (the rows stay as they are, so the mirror stays valid). */
  optimize(): Promise<void> {
    return this.keepingContent(async () => void (await this.table.optimize()));
  }

  /**
   * BM25 takes its term statistics from the full-text index, so rows added
   * since the index was last folded in are scored against stale statistics
   * (an index built on an empty table ranks almost at random). Stale when the
   * unindexed rows reach a tenth of the indexed ones; compaction folds them in.
   */
  async textIndexIsStale(): Promise<boolean> {
    const stats = await this.table.indexStats(TEXT_INDEX);
    if (!stats) return false;
    return stats.numUnindexedRows > 0 && stats.numUnindexedRows >= Math.max(1, stats.numIndexedRows * STALE_TEXT_SHARE);
  }

  async get(id: string): Promise<MemoryRecord | undefined> {
    const rows = await this.table.query().where(`id = ${sqlString(id)}`).limit(1).toArray();
    return rows[0] ? toMemory(rows[0] as Row) : undefined;
  }

  /** The memories with these ids that exist, by id: one query per 500 ids (the review queue checks hundreds at once). */
  async getMany(ids: readonly string[]): Promise<Map<string, MemoryRecord>> {
    const found = new Map<string, MemoryRecord>();
    const unique = [...new Set(ids)];
    for (let start = 0; start < unique.length; start += 500) {
      const chunk = unique.slice(start, start + 500);
      const rows = await this.table.query().where(`id IN (${chunk.map(sqlString).join(', ')})`).toArray();
      for (const row of rows) found.set(String((row as Row).id), toMemory(row as Row));
    }
    return found;
  }

  /** Memories passing `filter`: counted in the mirror when it is loaded (the Answer Agent asks on every question; under load LanceDB's answer queued behind its searches for tens of milliseconds). */
  async count(filter: MemoryFilter = {}): Promise<number> {
    const mirror = await this.loadedMirror();
    return mirror ? mirror.count(filter) : this.table.countRows(predicate(filter));
  }

  /** Reads the scope column alone: a few bytes a row, no vectors. */
  async scopeCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for await (const batch of this.table.query().select(['scope'])) {
      const column = batch.getChild('scope');
      for (let i = 0; i < batch.numRows; i++) {
        const scope = String(column?.get(i) ?? DEFAULT_SCOPE);
        counts.set(scope, (counts.get(scope) ?? 0) + 1);
      }
    }
    return counts;
  }

  async list(filter: MemoryFilter, offset: number, limit: number): Promise<MemoryRecord[]> {
    // The id breaks ties (a batch shares one timestamp), so pages never overlap.
    let query = this.table
      .query()
      .orderBy([
        { columnName: 'updated_at', ascending: false },
        { columnName: 'id', ascending: true },
      ])
      .offset(offset)
      .limit(limit);
    const where = predicate(filter);
    if (where) query = query.where(where);
    return (await query.toArray()).map((row) => toMemory(row as Row));
  }

  async *all(batchSize = 1000): AsyncGenerator<MemoryRecord> {
    for (let offset = 0; ; offset += batchSize) {
      const rows = await this.table
        .query()
        .orderBy([
          { columnName: 'created_at', ascending: true },
          { columnName: 'id', ascending: true },
        ])
        .offset(offset)
        .limit(batchSize)
        .toArray();
      for (const row of rows) yield toMemory(row as Row);
      if (rows.length < batchSize) return;
    }
  }

  /**
   * The exact top k from the in-memory mirror. `lance: 'exact'` asks LanceDB
   * itself for an exact scan (the reference the mirror is tested against), and
   * `lance: 'index'` (or a store without the mirror) its IVF index where there is one.
   */
  async vectorSearch(vector: Float32Array, k: number, filter: MemoryFilter, lance?: 'exact' | 'index'): Promise<ScoredMemory[]> {
    if (!lance && this.useMirror) return (await this.currentMirror(vector.length)).search(vector, k, filter);
    let query = this.table.vectorSearch(vector).distanceType('l2').limit(k);
    if (lance === 'exact') query = query.bypassVectorIndex();
    else if (this.probes) query = query.nprobes(this.probes);
    const where = predicate(filter);
    if (where) query = query.where(where);
    const rows = await query.toArray();
    return rows.map((row: Row) => ({ memory: toMemory(row), score: cosineFromSquaredL2(Number(row._distance)) }));
  }

  /**
   * BM25 over the text column. With the mirror loaded, LanceDB returns only
   * ids and scores and the memories come from the mirror: turning whole Arrow
   * rows (a 512-float vector each) into records was most of a text search's
   * time on the calling thread, and reading them half of LanceDB's (see
   * lancedb-log.ts for the score that comes with `id` alone).
   */
  async textSearch(text: string, k: number, filter: MemoryFilter): Promise<ScoredMemory[]> {
    const mirror = await this.loadedMirror();
    const query = () => {
      const search = this.table.query().fullTextSearch(text, { columns: 'text' }).limit(k);
      const where = predicate(filter);
      return where ? search.where(where) : search;
    };
    let hits: ScoredMemory[] | undefined;
    if (mirror) {
      const rows = await query().select(['id']).toArray();
      const records = rows.map((row: Row) => mirror.record(String(row.id)));
      // A row the mirror lacks (written around this class, as a benchmark's bulk load is): read whole rows instead.
      if (records.every((record) => record !== undefined)) hits = records.map((record, i) => ({ memory: record!, score: Number((rows[i] as Row)._score) }));
    }
    hits ??= (await query().toArray()).map((row: Row) => ({ memory: toMemory(row), score: Number(row._score) }));
    // Equal BM25 scores are common (memories matching only "user"); LanceDB returns them in whatever order its
    // threads finish, so ties are put in id order: the same store gives the same ranking, and the same distillation.
    return hits.sort((a, b) => b.score - a.score || (a.memory.id < b.memory.id ? -1 : a.memory.id > b.memory.id ? 1 : 0));
  }

  /** Vector and full-text results fused by LanceDB's reciprocal-rank-fusion reranker. */
  async hybridSearch(text: string, vector: Float32Array, k: number, filter: MemoryFilter): Promise<ScoredMemory[]> {
    const reranker = await lancedb.rerankers.RRFReranker.create();
    let query = this.table
      .query()
      .nearestTo(vector)
      .distanceType('l2')
      .fullTextSearch(text, { columns: 'text' })
      .rerank(reranker)
      .limit(k);
    const where = predicate(filter);
    if (where) query = query.where(where);
    const rows = await query.toArray();
    return rows.map((row: Row) => ({ memory: toMemory(row), score: Number(row._relevance_score) }));
  }

  async insert(records: readonly MemoryRecord[]): Promise<void> {
    if (records.length) await this.mirrored(() => this.table.add(records.map(toRow)), (mirror) => mirror.upsert(records));
  }

  /** Insert-or-replace by id, as one commit (an UPDATE is never half-applied). */
  async put(records: readonly MemoryRecord[]): Promise<void> {
    if (!records.length) return;
    await this.mirrored(
      () => this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(records.map(toRow)),
      (mirror) => mirror.upsert(records),
    );
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.mirrored(() => this.table.delete(`id IN (${ids.map(sqlString).join(', ')})`), (mirror) => mirror.remove(ids));
  }

  /** The mirror when one is loaded (or loading); undefined without one, so callers ask LanceDB instead of reading every row. */
  private async loadedMirror(): Promise<VectorMirror | undefined> {
    return this.useMirror && this.mirror ? this.mirror.ready.catch(() => undefined) : undefined;
  }

  /**
   * The mirror, read from the table on first use. It is not checked against
   * the table's version on every search (a round trip into LanceDB's runtime
   * that costs more than the scan at 1k rows): every write through this class
   * keeps it in step, and a write around it (a benchmark's bulk load) is
   * caught at the next compaction, which `maintain` runs after such a load.
   */
  private currentMirror(dimension: number): Promise<VectorMirror> {
    if (this.mirror) return this.mirror.ready;
    const entry = { version: -1 } as MirrorEntry;
    entry.ready = (async () => {
      entry.version = await this.table.version();
      return VectorMirror.load(this.table, dimension);
    })();
    entry.ready.catch(() => {
      if (this.mirror === entry) this.mirror = undefined;
    });
    this.mirror = entry;
    return entry.ready;
  }

  /**
   * Runs one write and applies the same change to the mirror when the mirror
   * was in step before it; otherwise (or when the write fails, perhaps half
   * done) the mirror is dropped and the next search reads the table again.
   */
  private async mirrored(write: () => Promise<unknown>, apply: (mirror: VectorMirror) => void): Promise<void> {
    const before = await this.mirrorInStep();
    try {
      await write();
    } catch (error) {
      this.mirror = undefined;
      throw error;
    }
    if (before && this.mirror === before.entry) {
      apply(before.mirror);
      before.entry.version = await this.table.version();
    } else this.mirror = undefined; // one read during the write may or may not hold it: the next search reads again
  }

  /** A commit that leaves every row as it was (compaction, an index): a mirror in step before it stays in step. */
  private async keepingContent(commit: () => Promise<void>): Promise<void> {
    const before = await this.mirrorInStep();
    await commit();
    if (before && this.mirror === before.entry) before.entry.version = await this.table.version();
  }

  /** The loaded mirror if it reflects the table's current version; a mirror behind the table is dropped. */
  private async mirrorInStep(): Promise<{ entry: MirrorEntry; mirror: VectorMirror } | undefined> {
    const entry = this.mirror;
    if (!entry) return undefined;
    const mirror = await entry.ready.catch(() => undefined);
    if (mirror && this.mirror === entry && entry.version === (await this.table.version())) return { entry, mirror };
    if (this.mirror === entry) this.mirror = undefined;
    return undefined;
  }
}

function predicate(filter: MemoryFilter): string | undefined {
  const parts: string[] = [];
  if (filter.subject !== undefined) parts.push(`subject = ${sqlString(filter.subject)}`);
  if (filter.scope !== undefined) parts.push(`scope = ${sqlString(filter.scope)}`);
  if (filter.from !== undefined) parts.push(`event_time >= ${sqlString(filter.from)}`);
  if (filter.to !== undefined) parts.push(`event_time <= ${sqlString(filter.to)}`);
  return parts.length ? parts.join(' AND ') : undefined;
}

function toRow(record: MemoryRecord): Row {
  return { ...record, vector: Array.from(record.vector) };
}

interface ArrowVectorLike {
  toArray(): ArrayLike<unknown>;
}

function toMemory(row: Row): MemoryRecord {
  const vector = row.vector as ArrowVectorLike;
  const sources = row.sources as ArrowVectorLike;
  return {
    id: String(row.id),
    text: String(row.text),
    vector: Float32Array.from(vector.toArray() as ArrayLike<number>),
    subject: String(row.subject),
    event_time: row.event_time == null ? null : String(row.event_time),
    created_at: String(row.created_at),
    updated_at: String(row.updated_at),
    sources: Array.from(sources.toArray(), String),
    version: Number(row.version),
    scope: row.scope == null ? DEFAULT_SCOPE : String(row.scope),
  };
}
