import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../models/embed/embedder.js';
import { EmbeddingFileCache } from '../../models/embed/embedding-file-cache.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** A deterministic 3-d embedder that counts the texts it was asked to embed. */
function countingEmbedder(): Embedder & { calls: string[] } {
  const calls: string[] = [];
  return {
    id: 'test:counting/v1',
    dimension: 3,
    calls,
    embed: async (texts) => {
      calls.push(...texts);
      return texts.map((t) => Float32Array.of(t.length, t.charCodeAt(0) || 0, 1));
    },
    dispose: async () => {},
  };
}

describe('EmbeddingFileCache: vectors remembered on disk across runs', () => {
  it('embeds each text once, ever: a second cache on the same folder reads the vectors back exactly', async () => {
    const dir = tempDir();
    const first = countingEmbedder();
    const cache = new EmbeddingFileCache(first, dir);
    const vectors = await cache.embed(['alpha', 'beta', 'alpha']);
    expect(first.calls).toEqual(['alpha', 'beta']);
    expect(Array.from(vectors[2]!)).toEqual(Array.from(vectors[0]!));

    const second = countingEmbedder();
    const reopened = new EmbeddingFileCache(second, dir);
    expect(reopened.size).toBe(2);
    const again = await reopened.embed(['beta', 'gamma']);
    expect(second.calls).toEqual(['gamma']);
    expect(Array.from(again[0]!)).toEqual([4, 98, 1]);
    expect(readdirSync(dir)).toEqual(['test_counting_v1.vectors']);
  });

  it('cuts off a record cut short by a crash, keeps the whole ones, and appends aligned after it', async () => {
    const dir = tempDir();
    await new EmbeddingFileCache(countingEmbedder(), dir).embed(['alpha']);
    const file = join(dir, 'test_counting_v1.vectors');
    appendFileSync(file, Buffer.alloc(7, 1)); // a torn append
    const inner = countingEmbedder();
    const cache = new EmbeddingFileCache(inner, dir);
    expect(cache.size).toBe(1);
    await cache.embed(['alpha', 'delta']);
    expect(inner.calls).toEqual(['delta']);
    expect(statSync(file).size).toBe(2 * (20 + 3 * 4));
    const third = countingEmbedder();
    expect(Array.from((await new EmbeddingFileCache(third, dir).embed(['delta']))[0]!)).toEqual([5, 100, 1]);
    expect(third.calls).toEqual([]);
  });

  it('embeds new texts slice by slice, saying how far it got, and keeps the slices done when a later one fails', async () => {
    const dir = tempDir();
    const texts = Array.from({ length: 2_500 }, (_, i) => `text ${i}`);
    const seen: Array<[number, number]> = [];
    await new EmbeddingFileCache(countingEmbedder(), dir, (done, total) => seen.push([done, total])).embed(texts);
    expect(seen).toEqual([
      [1_024, 2_500],
      [2_048, 2_500],
      [2_500, 2_500],
    ]);

    const failing = countingEmbedder();
    const embed = failing.embed;
    let calls = 0;
    failing.embed = async (batch) => (++calls === 2 ? Promise.reject(new Error('killed')) : embed(batch));
    const other = Array.from({ length: 2_000 }, (_, i) => `other ${i}`);
    const stopped = tempDir('memr1-slices-');
    await expect(new EmbeddingFileCache(failing, stopped).embed(other)).rejects.toThrow('killed');
    expect(new EmbeddingFileCache(countingEmbedder(), stopped).size).toBe(1_024);
  });
});
