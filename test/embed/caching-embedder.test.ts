import { describe, expect, it } from 'vitest';
import { CachingEmbedder } from '../../models/embed/caching-embedder.js';
import type { Embedder } from '../../models/embed/embedder.js';
import { realEmbedder } from '../helpers/embedder.js';

/** The real embedder, with a record of what reached it. */
async function countingEmbedder(): Promise<Embedder & { calls: string[][] }> {
  const inner = await realEmbedder();
  const calls: string[][] = [];
  return { id: inner.id, dimension: inner.dimension, calls, embed: (texts) => (calls.push([...texts]), inner.embed(texts)), dispose: async () => undefined };
}

describe('CachingEmbedder', () => {
  it('embeds each text once, repeats included, and returns the inner vectors in order', async () => {
    const inner = await countingEmbedder();
    const cache = new CachingEmbedder(inner);
    const [a, b, a2] = await cache.embed(['a cat', 'a dog', 'a cat']);
    expect(inner.calls).toEqual([['a cat', 'a dog']]);
    expect(a2).toBe(a);
    expect(Array.from((await cache.embed(['a dog']))[0]!)).toEqual(Array.from(b!));
    expect(inner.calls).toHaveLength(1);
  });

  it('with a bound, keeps the most recently used texts', async () => {
    const inner = await countingEmbedder();
    const cache = new CachingEmbedder(inner, 2);
    await cache.embed(['one', 'two']);
    await cache.embed(['one']); // "one" is now the most recently used
    await cache.embed(['three']); // evicts "two"
    await cache.embed(['one', 'three']);
    expect(inner.calls).toEqual([['one', 'two'], ['three']]);
    await cache.embed(['two']);
    expect(inner.calls.at(-1)).toEqual(['two']);
  });
});
