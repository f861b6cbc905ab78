import { DOT_PRODUCTS_WASM } from './dot-products-wasm.js';

const PAGE_BYTES = 65_536;
/** The SIMD kernel takes 16 floats per step (four f32x4 accumulators). */
const SIMD_STEP = 16;
/** Queries one pass over the rows scores: several chats searching at once share each read of the rows. */
export const QUERY_SLOTS = 16;
/** Rows per block of a pass (256 KB at 512-d, within a core's L2): every query of the pass scores a block while it is cached. */
const BLOCK_ROWS = 128;

/** The WebAssembly API members used here: the project's `lib` has no DOM, where TypeScript declares them. */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface DotsExports {
  dots(query: number, rows: number, n: number, dim: number, out: number): void;
}

let kernel: object | undefined;
/** Compiled once per process; a few hundred bytes, so synchronous compilation is fine. */
function dotsModule(): object {
  kernel ??= new wasm.Module(Buffer.from(DOT_PRODUCTS_WASM, 'base64'));
  return kernel;
}

/**
 * Row-major f32 vectors kept in a WebAssembly memory, so that the SIMD kernel
 * (dot-products.wat) scores queries against every row without copying them.
 * Layout: `QUERY_SLOTS` query rows, then `capacity` rows, then one score per
 * row for each query slot. Growing moves only the scores, which are scratch.
 * At 10,000 rows a scan reads 20 MB and is bound by memory bandwidth, so
 * several queries are scored in one pass, block by block of rows.
 *
 * Dimensions that are not a multiple of 16 use a plain loop over the same
 * memory (every embedder shipped today gives 384, 512 or 1536).
 */
export class VectorMatrix {
  private readonly memory: WasmMemory;
  private readonly exports: DotsExports | undefined;
  private capacity = 0;
  private floats!: Float32Array;

  constructor(readonly dimension: number, initialRows = 1024) {
    this.memory = new wasm.Memory({ initial: 1 });
    if (dimension % SIMD_STEP === 0) {
      const instance = new wasm.Instance(dotsModule(), { env: { memory: this.memory } });
      this.exports = instance.exports as unknown as DotsExports;
    }
    this.floats = new Float32Array(this.memory.buffer);
    this.reserve(initialRows);
  }

  /** Bytes held: the query, the rows' capacity and their scores. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Makes room for `rows` rows (capacity doubles, so appends are amortised O(1)). */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.max(rows, this.capacity * 2);
    const needed = 4 * (QUERY_SLOTS * this.dimension + capacity * this.dimension + QUERY_SLOTS * capacity);
    const pages = Math.ceil(needed / PAGE_BYTES) - this.memory.buffer.byteLength / PAGE_BYTES;
    if (pages > 0) this.memory.grow(pages);
    this.capacity = capacity;
    this.floats = new Float32Array(this.memory.buffer); // growing detaches the old buffer
  }

  /** Row `i`, as a view (valid until the next `reserve`). */
  row(i: number): Float32Array {
    const start = this.dimension * (QUERY_SLOTS + i);
    return this.floats.subarray(start, start + this.dimension);
  }

  setRow(i: number, vector: Float32Array): void {
    this.floats.set(vector, this.dimension * (QUERY_SLOTS + i));
  }

  copyRow(from: number, to: number): void {
    const d = this.dimension;
    this.floats.copyWithin(d * (QUERY_SLOTS + to), d * (QUERY_SLOTS + from), d * (QUERY_SLOTS + 1 + from));
  }

  /**
   * Dot products of each query (at most `QUERY_SLOTS`) with rows 0..n-1, one
   * view per query (valid until the next call or `reserve`), in one pass over
   * the rows. Each dot product is summed exactly as a single query's is.
   */
  dotsMany(queries: readonly Float32Array[], n: number): Float32Array[] {
    if (queries.length > QUERY_SLOTS) throw new RangeError(`at most ${QUERY_SLOTS} queries a pass, not ${queries.length}`);
    const d = this.dimension;
    const rowsAt = d * QUERY_SLOTS;
    const scoresAt = (slot: number) => rowsAt + d * this.capacity + slot * this.capacity;
    queries.forEach((query, slot) => this.floats.set(query, slot * d));
    for (let first = 0; first < n; first += BLOCK_ROWS) {
      const count = Math.min(BLOCK_ROWS, n - first);
      for (let slot = 0; slot < queries.length; slot++) {
        if (this.exports) this.exports.dots(4 * slot * d, 4 * (rowsAt + first * d), count, d, 4 * (scoresAt(slot) + first));
        else {
          for (let r = first; r < first + count; r++) {
            let sum = 0;
            for (let i = 0, at = rowsAt + d * r; i < d; i++, at++) sum += this.floats[slot * d + i]! * this.floats[at]!;
            this.floats[scoresAt(slot) + r] = sum;
          }
        }
      }
    }
    return queries.map((_, slot) => this.floats.subarray(scoresAt(slot), scoresAt(slot) + n));
  }
}
