import { z } from 'zod';
import { chunk, type Embedder } from './embedder.js';

const EmbeddingResponse = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

export interface OpenAiEmbedderOptions {
  /** Base URL of the server's OpenAI-compatible API, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  batchSize?: number;
}

/** Thrown when an embeddings server cannot be used; the message says what to check. */
export class EmbeddingServerError extends Error {
  override readonly name = 'EmbeddingServerError';
}

/**
 * Any server that speaks OpenAI's `POST /v1/embeddings` (Ollama, llama.cpp,
 * LM Studio, vLLM, OpenAI). The dimension is learned from one probe request.
 */
export class OpenAiEmbedder implements Embedder {
  readonly id: string;

  private constructor(
    private readonly options: Required<Omit<OpenAiEmbedderOptions, 'apiKey'>> & { apiKey?: string },
    readonly dimension: number,
  ) {
    this.id = `openai:${options.model}`;
  }

  static async connect(options: OpenAiEmbedderOptions): Promise<OpenAiEmbedder> {
    const resolved = { timeoutMs: 30_000, batchSize: 64, ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') };
    const [probe] = await request(resolved, ['dimension probe']);
    if (!probe?.length) throw new EmbeddingServerError(`${resolved.baseUrl} returned an empty embedding for model ${resolved.model}`);
    return new OpenAiEmbedder(resolved, probe.length);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of chunk(texts, this.options.batchSize)) {
      const vectors = await request(this.options, batch);
      for (const vector of vectors) {
        if (vector.length !== this.dimension) {
          throw new EmbeddingServerError(
            `${this.options.baseUrl} returned a ${vector.length}-d vector; model ${this.options.model} made ${this.dimension}-d vectors before`,
          );
        }
      }
      out.push(...vectors);
    }
    return out;
  }

  async dispose(): Promise<void> {}
}

async function request(
  options: { baseUrl: string; model: string; apiKey?: string; timeoutMs: number },
  input: readonly string[],
): Promise<Float32Array[]> {
  const url = `${options.baseUrl}/embeddings`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify({ model: options.model, input }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new EmbeddingServerError(`the embeddings server at ${url} did not answer within ${options.timeoutMs} ms`);
    }
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new EmbeddingServerError(`cannot reach the embeddings server at ${url} (${cause}); is it running?`);
  }
  if (!response.ok) {
    const body = (await response.text()).slice(0, 300);
    throw new EmbeddingServerError(`${url} answered HTTP ${response.status} for model ${options.model}: ${body}`);
  }
  const parsed = EmbeddingResponse.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success || parsed.data.data.length !== input.length) {
    throw new EmbeddingServerError(`${url} did not return one embedding per input in OpenAI's format`);
  }
  const vectors = new Array<Float32Array>(input.length);
  for (const item of parsed.data.data) vectors[item.index] = Float32Array.from(item.embedding);
  if (vectors.some((v) => v === undefined)) throw new EmbeddingServerError(`${url} returned duplicate or out-of-range indices`);
  return vectors;
}
