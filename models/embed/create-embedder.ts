import type { Embedder } from './embedder.js';

/** The embedder used when none is named: works offline, weights ship with the app. */
export const DEFAULT_EMBEDDER = 'use-lite';

/**
 * Builds an embedder from a spec string (the CLI's `--embed`):
 * - `use-lite`: Universal Sentence Encoder lite on TensorFlow.js (default, offline);
 * - `transformers:<folder>`: a transformers.js feature-extraction model folder
 *   (Hugging Face ONNX layout, `onnx/model.onnx`), e.g. all-MiniLM-L6-v2;
 * - `openai:<base-url>#<model>`: any OpenAI-compatible `/v1/embeddings` server,
 *   e.g. `openai:http://127.0.0.1:11434/v1#nomic-embed-text`. The key, if any,
 *   comes from `MEMR1_EMBED_API_KEY`.
 *
 * `use-lite` runs on worker threads (`workers`, default one per core up to
 * four): a query's embedding never blocks the calling thread's event loop
 * (the chat's), and bulk embedding (imports, LoCoMo runs) uses every core.
 * `background` (the app) runs those workers below the main thread's OS
 * priority. The others batch on their own.
 *
 * Each kind is imported when it is asked for: TensorFlow.js and
 * transformers.js (onnxruntime) take seconds to load, and a process needs one
 * of them at most.
 */
export async function createEmbedder(spec: string = DEFAULT_EMBEDDER, options: { workers?: number; background?: boolean } = {}): Promise<Embedder> {
  if (spec === 'use-lite') return (await import('./use-lite-pool.js')).UseLitePool.start(options.workers, undefined, { background: options.background ?? false });
  const transformers = /^transformers:(.+)$/.exec(spec);
  if (transformers) return (await import('./transformers-embedder.js')).TransformersEmbedder.load(transformers[1]!);
  const openai = /^openai:(.+)#(.+)$/.exec(spec);
  if (openai) {
    const apiKey = process.env.MEMR1_EMBED_API_KEY;
    return (await import('./openai-embedder.js')).OpenAiEmbedder.connect({ baseUrl: openai[1]!, model: openai[2]!, ...(apiKey ? { apiKey } : {}) });
  }
  throw new Error(`unknown embedder "${spec}"; use "use-lite", "transformers:<folder>" or "openai:<base-url>#<model>"`);
}
