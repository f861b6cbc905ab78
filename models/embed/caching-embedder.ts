import type { Embedder } from './embedder.js';

/**
 * Remembers every text's vector for the life of the object. Benchmarks and
 * training embed the same turns, observations and questions many times
 * (once per method, per epoch); this embeds each once.
 */
export class CachingEmbedder implements Embedder {
  private readonly cache = new Map<string, Float32Array>();

  constructor(private readonly inner: Embedder) {}

  get id(): string {
    return this.inner.id;
  }

  get dimension(): number {
    return this.inner.dimension;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    if (missing.length) {
      const vectors = await this.inner.embed(missing);
      missing.forEach((text, i) => this.cache.set(text, vectors[i]!));
    }
    return texts.map((t) => this.cache.get(t)!);
  }

  async dispose(): Promise<void> {
    this.cache.clear();
    await this.inner.dispose();
  }
}
