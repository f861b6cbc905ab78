import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { basename } from 'node:path';
import { chunk, type Embedder } from './embedder.js';

// Models are downloaded by the app (see models/llm/hub-download.ts); transformers.js only reads folders.
env.allowRemoteModels = false;
env.allowLocalModels = true;

export interface TransformersEmbedderOptions {
  /** Weights file to load: `fp32` (onnx/model.onnx, default) or a quantized one such as `q8`. */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  /** Shown in the id (default: the folder name). */
  name?: string;
  batchSize?: number;
}

/**
 * Any transformers.js `feature-extraction` model in the Hugging Face ONNX layout
 * (e.g. all-MiniLM-L6-v2, bge-small, nomic-embed), mean-pooled and L2-normalised,
 * on onnxruntime-node's CPU provider.
 */
export class TransformersEmbedder implements Embedder {
  private constructor(
    private readonly extractor: FeatureExtractionPipeline,
    readonly id: string,
    readonly dimension: number,
    private readonly batchSize: number,
  ) {}

  static async load(folder: string, options: TransformersEmbedderOptions = {}): Promise<TransformersEmbedder> {
    const extractor = (await pipeline('feature-extraction', folder, {
      dtype: options.dtype ?? 'fp32',
      device: 'cpu',
      local_files_only: true,
    })) as FeatureExtractionPipeline;
    const probe = await extractor('dimension probe', { pooling: 'mean', normalize: true });
    const dimension = probe.dims.at(-1)!;
    return new TransformersEmbedder(extractor, `transformers:${options.name ?? basename(folder)}`, dimension, options.batchSize ?? 32);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of chunk(texts, this.batchSize)) {
      const tensor = await this.extractor([...batch], { pooling: 'mean', normalize: true });
      const data = tensor.data as Float32Array;
      for (let row = 0; row < batch.length; row++) out.push(data.slice(row * this.dimension, (row + 1) * this.dimension));
      tensor.dispose();
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.extractor.dispose();
  }
}
