import type { Embedder } from '../embed/embedder.js';

/** Embeds each distinct text once (synthetic tasks repeat sentences a lot). */
export async function embedAll(embedder: Embedder, texts: Iterable<string>): Promise<Map<string, Float32Array>> {
  const distinct = [...new Set(texts)];
  const vectors = await embedder.embed(distinct);
  return new Map(distinct.map((text, i) => [text, vectors[i]!]));
}
