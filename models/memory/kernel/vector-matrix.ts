import { DOT_PRODUCTS_WASM } from './dot-products-wasm.js';

const PAGE_BYTES = 65_536;
/** The SIMD kernel takes 16 floats per step (four f32x4 accumulators). */
const SIMD_STEP = 16;

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
 * (dot-products.wat) scores a query against every row in one call without
 * copying them. Layout: the query (one row), then `capacity` rows, then one
 * score per row. Growing moves only the scores, which are scratch.
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
    const needed = 4 * (this.dimension + capacity * this.dimension + capacity);
    const pages = Math.ceil(needed / PAGE_BYTES) - this.memory.buffer.byteLength / PAGE_BYTES;
    if (pages > 0) this.memory.grow(pages);
    this.capacity = capacity;
    this.floats = new Float32Array(this.memory.buffer); // growing detaches the old buffer
  }

  /** Row `i`, as a view (valid until the next `reserve`). */
  row(i: number): Float32Array {
    const start = this.dimension * (1 + i);
    return this.floats.subarray(start, start + this.dimension);
  }

  setRow(i: number, vector: Float32Array): void {
    this.floats.set(vector, this.dimension * (1 + i));
  }

  copyRow(from: number, to: number): void {
    const d = this.dimension;
    this.floats.copyWithin(d * (1 + to), d * (1 + from), d * (2 + from));
  }

  /** Dot products of `query` with rows 0..n-1, as a view (valid until the next call or `reserve`). */
  dots(query: Float32Array, n: number): Float32Array {
    const d = this.dimension;
    const scoresAt = d * (1 + this.capacity);
    this.floats.set(query, 0);
    if (this.exports) this.exports.dots(0, 4 * d, n, d, 4 * scoresAt);
    else {
      for (let r = 0; r < n; r++) {
        let sum = 0;
        for (let i = 0, at = d * (1 + r); i < d; i++, at++) sum += this.floats[i]! * this.floats[at]!;
        this.floats[scoresAt + r] = sum;
      }
    }
    return this.floats.subarray(scoresAt, scoresAt + n);
  }
}
