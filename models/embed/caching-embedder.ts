import type { Embedder } from './embedder.js';

/**
 * Remembers texts' vectors. Benchmarks and training embed the same turns,
 * observations and questions many times (once per method, per epoch): without
 * a bound this embeds each once. A long-running app gives `maxEntries`, and
 * keeps the most recently used: a chat turn embeds its question for retrieval
 * and again for the full-text fusion, a fact for its related memories and
 * again when it is stored.
 */
export class CachingEmbedder implements Embedder {
  private readonly cache = new Map<string, Float32Array>();

  constructor(
    private readonly inner: Embedder,
    private readonly maxEntries = Number.POSITIVE_INFINITY,
  ) {}

  get id(): string {
    return this.inner.id;
  }

  get dimension(): number {
    return this.inner.dimension;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const missing = [...new Set(texts.filter((t) => !this.cache.has(t)))];
    const fresh = missing.length ? await this.inner.embed(missing) : [];
    const found = new Map(missing.map((text, i) => [text, fresh[i]!]));
    for (const text of texts) found.set(text, found.get(text) ?? this.cache.get(text)!);
    // Re-inserting moves a text to the end of the map's order: the first key is the least recently used.
    for (const [text, vector] of found) {
      this.cache.delete(text);
      this.cache.set(text, vector);
    }
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    return texts.map((t) => found.get(t)!);
  }

  async dispose(): Promise<void> {
    this.cache.clear();
    await this.inner.dispose();
  }
}
