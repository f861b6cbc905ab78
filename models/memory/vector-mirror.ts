import type * as lancedb from '@lancedb/lancedb';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { chunk } from '../embed/embedder.js';
import { QUERY_SLOTS, VectorMatrix } from './kernel/vector-matrix.js';
import type { MemoryFilter, ScoredMemory } from './memory-table.js';
import type { MemoryRecord } from './records.js';

type Fields = Omit<MemoryRecord, 'vector'>;

interface ArrowColumn {
  get(i: number): unknown;
}

interface ArrowList {
  toArray(): ArrayLike<unknown>;
}

interface WaitingSearch {
  query: Float32Array;
  k: number;
  filter: MemoryFilter;
  resolve: (hits: ScoredMemory[]) => void;
  reject: (error: unknown) => void;
}

const COLUMNS = ['id', 'text', 'vector', 'subject', 'event_time', 'created_at', 'updated_at', 'sources', 'version', 'scope'];

/**
 * An in-memory copy of the memory table for vector search: every row's fields
 * and its vector in a WebAssembly memory, scanned exactly by the SIMD kernel
 * (faster than LanceDB's exact scan and than its IVF index, with recall 1).
 *
 * LanceDB stays the durable copy: the mirror is read from the table when it is
 * first needed, `MemoryTable` applies each of its own commits to it, and any
 * other change to the table (a version it did not make) has it read again.
 *
 * Ranking follows LanceDB's: squared L2 distance, reported as cosine
 * (1 - d/2), from stored squared norms and the kernel's dot products.
 */
export class VectorMirror {
  private readonly matrix: VectorMatrix;
  private fields: Fields[] = [];
  private norms = new Float64Array(0);
  private readonly rowOf = new Map<string, number>();
  /** Searches asked for in this turn of the event loop, scored together at its end. */
  private waiting: WaitingSearch[] = [];
  /** Rows per scope, kept with every change: the Answer Agent counts its scope on every question. */
  private readonly scopeRows = new Map<string, number>();
  private textBytes = 0;

  private constructor(readonly dimension: number) {
    this.matrix = new VectorMatrix(dimension);
  }

  /**
   * Reads every row of the memory table, streamed in batches with a yield to
   * the event loop after each: 100k rows take seconds, and the chat goes on.
   */
  static async load(table: lancedb.Table, dimension: number): Promise<VectorMirror> {
    const mirror = new VectorMirror(dimension);
    mirror.reserve(await table.countRows());
    for await (const batch of table.query()) {
      const column = (name: string) => batch.getChild(name) as unknown as ArrowColumn;
      const [id, text, vector, subject, eventTime, createdAt, updatedAt, sources, version, scope] = COLUMNS.map(column) as ArrowColumn[];
      const sourceOffsets = (sources as unknown as { data: ReadonlyArray<{ valueOffsets: Int32Array }> }).data[0]!.valueOffsets;
      mirror.reserve(mirror.size + batch.numRows);
      for (let i = 0; i < batch.numRows; i++) {
        const eventAt = eventTime!.get(i);
        mirror.upsertOne(
          {
            id: String(id!.get(i)),
            text: String(text!.get(i)),
            subject: String(subject!.get(i)),
            event_time: eventAt == null ? null : String(eventAt),
            created_at: String(createdAt!.get(i)),
            updated_at: String(updatedAt!.get(i)),
            // Most memories have no sources; reading an empty list through Arrow's accessor costs more than the rest of the row.
            sources: sourceOffsets[i + 1] === sourceOffsets[i] ? [] : Array.from((sources!.get(i) as ArrowList).toArray(), String),
            version: Number(version!.get(i)),
            scope: String(scope!.get(i)),
          },
          (vector!.get(i) as ArrowList).toArray() as Float32Array,
        );
      }
      await yieldToEventLoop();
    }
    return mirror;
  }

  get size(): number {
    return this.fields.length;
  }

  /** Approximate bytes held: the vector memory, norms, and the fields' strings (UTF-16) with a per-row allowance. */
  get bytes(): number {
    return this.matrix.bytes + this.norms.byteLength + 2 * this.textBytes + 200 * this.fields.length;
  }

  /** Inserts or replaces these memories (by id). */
  upsert(records: readonly MemoryRecord[]): void {
    this.reserve(this.fields.length + records.length);
    for (const { vector, ...fields } of records) this.upsertOne(fields, vector);
  }

  /** Removes these ids; unknown ids are ignored. The last row moves into each gap. */
  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row === undefined) continue;
      const last = this.fields.length - 1;
      this.textBytes -= textLength(this.fields[row]!);
      this.countScope(this.fields[row]!.scope, -1);
      if (row !== last) {
        const moved = this.fields[last]!;
        this.fields[row] = moved;
        this.norms[row] = this.norms[last]!;
        this.matrix.copyRow(last, row);
        this.rowOf.set(moved.id, row);
      }
      this.fields.pop();
      this.rowOf.delete(id);
    }
  }

  /** How many memories pass `filter`. */
  count(filter: MemoryFilter): number {
    if (filter.subject === undefined && filter.from === undefined && filter.to === undefined) {
      return filter.scope === undefined ? this.fields.length : (this.scopeRows.get(filter.scope) ?? 0);
    }
    let count = 0;
    for (const fields of this.fields) if (passes(fields, filter)) count++;
    return count;
  }

  /** The memory with this id, its vector a copy; undefined when the mirror has no such row. */
  record(id: string): MemoryRecord | undefined {
    const row = this.rowOf.get(id);
    return row === undefined ? undefined : { ...this.fields[row]!, vector: this.matrix.row(row).slice() };
  }

  /**
   * The exact top `k` by distance among the memories that pass `filter`, best
   * first. Searches asked for in the same turn of the event loop are scored
   * together, up to `QUERY_SLOTS` a pass over the rows (twenty clients
   * searching at once read the 10k × 512 floats twice, not twenty times);
   * each gets what it would have got alone.
   */
  search(query: Float32Array, k: number, filter: MemoryFilter): Promise<ScoredMemory[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ query, k, filter, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => this.searchWaiting());
    });
  }

  private searchWaiting(): void {
    const n = this.fields.length;
    for (const pass of chunk(this.waiting.splice(0), QUERY_SLOTS)) {
      try {
        const dots = this.matrix.dotsMany(pass.map((search) => search.query), n);
        pass.forEach((search, i) => search.resolve(this.topK(search, dots[i]!)));
      } catch (error) {
        for (const search of pass) search.reject(error);
      }
    }
  }

  private topK({ query, k, filter }: WaitingSearch, dots: Float32Array): ScoredMemory[] {
    const n = this.fields.length;
    let queryNorm = 0;
    for (const x of query) queryNorm += x * x;
    const filtered = filter.subject !== undefined || filter.scope !== undefined || filter.from !== undefined || filter.to !== undefined;
    // A partial top-k: a short sorted list; most rows fail the first comparison.
    const bestDistance = new Float64Array(k);
    const bestRow = new Int32Array(k);
    let count = 0;
    for (let r = 0; r < n; r++) {
      const distance = this.norms[r]! + queryNorm - 2 * dots[r]!;
      if (count === k && distance >= bestDistance[k - 1]!) continue;
      if (filtered && !passes(this.fields[r]!, filter)) continue;
      let at = count < k ? count++ : k - 1;
      while (at > 0 && bestDistance[at - 1]! > distance) {
        bestDistance[at] = bestDistance[at - 1]!;
        bestRow[at] = bestRow[at - 1]!;
        at--;
      }
      bestDistance[at] = distance;
      bestRow[at] = r;
    }
    return Array.from({ length: count }, (_, i) => ({
      memory: { ...this.fields[bestRow[i]!]!, vector: this.matrix.row(bestRow[i]!).slice() },
      score: 1 - bestDistance[i]! / 2,
    }));
  }

  private countScope(scope: string, change: number): void {
    const rows = (this.scopeRows.get(scope) ?? 0) + change;
    if (rows) this.scopeRows.set(scope, rows);
    else this.scopeRows.delete(scope);
  }

  private reserve(rows: number): void {
    this.matrix.reserve(rows);
    if (rows > this.norms.length) {
      const norms = new Float64Array(Math.max(rows, 2 * this.norms.length));
      norms.set(this.norms);
      this.norms = norms;
    }
  }

  /** Callers reserve room first. */
  private upsertOne(fields: Fields, vector: Float32Array): void {
    let row = this.rowOf.get(fields.id);
    if (row === undefined) {
      row = this.fields.length;
      this.rowOf.set(fields.id, row);
    } else {
      this.textBytes -= textLength(this.fields[row]!);
      this.countScope(this.fields[row]!.scope, -1);
    }
    this.fields[row] = fields;
    this.countScope(fields.scope, 1);
    this.textBytes += textLength(fields);
    this.matrix.setRow(row, vector);
    let norm = 0;
    for (const x of this.matrix.row(row)) norm += x * x;
    this.norms[row] = norm;
  }
}

/** The JavaScript twin of memory-table's SQL predicate: a missing event_time fails any time bound (SQL's NULL comparison). */
function passes(fields: Fields, filter: MemoryFilter): boolean {
  if (filter.subject !== undefined && fields.subject !== filter.subject) return false;
  if (filter.scope !== undefined && fields.scope !== filter.scope) return false;
  if (filter.from !== undefined && (fields.event_time === null || fields.event_time < filter.from)) return false;
  if (filter.to !== undefined && (fields.event_time === null || fields.event_time > filter.to)) return false;
  return true;
}

function textLength(fields: Fields): number {
  return fields.id.length + fields.text.length + fields.subject.length + fields.scope.length + fields.sources.reduce((sum, s) => sum + s.length, 0);
}
