import { chunk } from './embedder.js';
import type { UseTokenizer } from './use-tokenizer.js';

/** Sentences per model call: a call pads its sentences to the longest, so calls take sentences of similar length. */
const BATCH = 16;

/**
 * Token ids for each text as USE-lite's graph takes them: at most `maxTokens`,
 * and an empty text as a lone unknown token (the published graph's sparse
 * input would otherwise lose the sentence).
 */
export function useEncodings(tokenizer: UseTokenizer, texts: readonly string[], maxTokens = Infinity): number[][] {
  return texts.map((text) => {
    const ids = tokenizer.encode(text).slice(0, maxTokens);
    return ids.length ? ids : [0];
  });
}

/** Embeds token sequences in calls of sentences sorted by token count; the vectors come back in input order. */
export async function embedByLength(encodings: readonly number[][], embedBatch: (batch: number[][]) => Promise<Float32Array[]>): Promise<Float32Array[]> {
  const byLength = encodings.map((_, i) => i).sort((a, b) => encodings[a]!.length - encodings[b]!.length);
  const out = new Array<Float32Array>(encodings.length);
  for (const rows of chunk(byLength, BATCH)) {
    const vectors = await embedBatch(rows.map((row) => encodings[row]!));
    rows.forEach((row, i) => (out[row] = vectors[i]!));
  }
  return out;
}
