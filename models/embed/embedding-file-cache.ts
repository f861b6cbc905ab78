import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chunk, type Embedder } from './embedder.js';

const HASH_BYTES = 20;
/** Texts embedded and appended at a time (about 30 s of the default encoder on two cores). */
const SLICE_TEXTS = 1024;

/**
 * An embedder that remembers its vectors on disk, for the benchmark and
 * training: LoCoMo's test conversations hold ~8,600 texts, which the default
 * encoder takes minutes to embed on two cores, and every run embeds the same
 * ones. One file per embedder (`<dir>/<embedder id>.vectors`) of fixed-size
 * records (the text's SHA-1, then its vector), appended as texts are first
 * embedded. A record cut short by a crash is cut off at the next open, so
 * the file is never unreadable nor misaligned; a text's vector is the embedder's own, so results equal an
 * uncached run's.
 */
export class EmbeddingFileCache implements Embedder {
  private readonly known = new Map<string, Float32Array>();
  private readonly file: string;

  constructor(
    private readonly inner: Embedder,
    dir: string,
    /** Called after each slice of new texts is embedded and kept: how many of this call's new texts are done. */
    private readonly onEmbedded?: (done: number, total: number) => void,
  ) {
    this.file = join(dir, `${inner.id.replace(/[^A-Za-z0-9._-]+/g, '_')}.vectors`);
    this.load();
  }

  get id(): string {
    return this.inner.id;
  }

  get dimension(): number {
    return this.inner.dimension;
  }

  /** How many vectors the file held or gained. */
  get size(): number {
    return this.known.size;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const keys = texts.map(hashOf);
    const missing = [...new Map(texts.map((text, i) => [keys[i]!, text])).entries()].filter(([key]) => !this.known.has(key));
    // In slices, each appended as it is done: a run stopped after minutes of embedding keeps what it made.
    let done = 0;
    for (const slice of chunk(missing, SLICE_TEXTS)) {
      const vectors = await this.inner.embed(slice.map(([, text]) => text));
      const records = Buffer.alloc(slice.length * this.recordBytes());
      slice.forEach(([key], i) => {
        const offset = i * this.recordBytes();
        Buffer.from(key, 'hex').copy(records, offset);
        Buffer.from(vectors[i]!.buffer, vectors[i]!.byteOffset, this.dimension * 4).copy(records, offset + HASH_BYTES);
        this.known.set(key, vectors[i]!);
      });
      mkdirSync(dirname(this.file), { recursive: true });
      appendFileSync(this.file, records);
      this.onEmbedded?.((done += slice.length), missing.length);
    }
    return keys.map((key) => this.known.get(key)!);
  }

  dispose(): Promise<void> {
    this.known.clear();
    return this.inner.dispose();
  }

  private recordBytes(): number {
    return HASH_BYTES + this.dimension * 4;
  }

  private load(): void {
    let data: Buffer;
    try {
      data = readFileSync(this.file);
    } catch {
      return; // no cache yet
    }
    const size = this.recordBytes();
    const whole = data.length - (data.length % size);
    if (whole < data.length) truncateSync(this.file, whole);
    for (let offset = 0; offset < whole; offset += size) {
      const vector = new Float32Array(this.dimension);
      Buffer.from(vector.buffer).set(data.subarray(offset + HASH_BYTES, offset + size));
      this.known.set(data.subarray(offset, offset + HASH_BYTES).toString('hex'), vector);
    }
  }
}

function hashOf(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
