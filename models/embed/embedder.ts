/**
 * The one interface every text embedder implements. The memory store only
 * talks to this, so the default offline encoder, a transformers.js model and a
 * remote `/v1/embeddings` server are interchangeable.
 */
export interface Embedder {
  /** Stable name of the model that makes the vectors, e.g. `tfjs:use-lite`. Stored with the vectors. */
  readonly id: string;
  /** Length of every vector this embedder returns. */
  readonly dimension: number;
  /** Embeds texts in order; batches internally. Every returned vector has `dimension` entries. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Frees native or tensor memory. Safe to call twice. */
  dispose(): Promise<void>;
}

/** Cosine similarity of two equal-length vectors (0 when either is all zeros). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cosine of vectors of length ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
