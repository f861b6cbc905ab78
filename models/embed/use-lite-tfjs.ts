import * as tf from '@tensorflow/tfjs';
import type { Embedder } from './embedder.js';
import { embedByLength, useEncodings } from './length-batches.js';
import { ensureTfBackend, type TfBackendInfo } from '../util/tf-backend.js';
import { USE_LITE_ID } from './use-lite.js';
import { readPublishedUseLite } from './use-lite-weights.js';
import { UseTokenizer } from './use-tokenizer.js';

/**
 * The published USE-lite graph as it ships (a TF.js graph model), run on
 * TensorFlow.js (wasm here). The app embeds with the ONNX rebuild
 * (`UseLiteEmbedder`); this is the reference it is tested against and the
 * baseline `memr1 bench perf` measures it against (the app's encoder before).
 */
export class UseLiteTfjsReference implements Embedder {
  readonly id = USE_LITE_ID;
  readonly dimension = 512;

  private constructor(
    private readonly model: tf.GraphModel,
    private readonly tokenizer: UseTokenizer,
    readonly backend: TfBackendInfo,
  ) {}

  static async load(): Promise<UseLiteTfjsReference> {
    const backend = await ensureTfBackend();
    const { modelJson, weights, vocabulary } = await readPublishedUseLite();
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: modelJson.modelTopology as tf.io.ModelArtifacts['modelTopology'],
      weightSpecs: modelJson.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      ...(modelJson.format !== undefined && { format: modelJson.format }),
      ...(modelJson.generatedBy !== undefined && { generatedBy: modelJson.generatedBy }),
      ...(modelJson.convertedBy !== undefined && { convertedBy: modelJson.convertedBy }),
    };
    const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    return new UseLiteTfjsReference(model, new UseTokenizer(vocabulary), backend);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return embedByLength(useEncodings(this.tokenizer, texts), (batch) => this.embedBatch(batch));
  }

  /** One model call: the graph takes a sparse [sentence, position] -> token id batch. */
  private async embedBatch(encodings: readonly number[][]): Promise<Float32Array[]> {
    const total = encodings.reduce((sum, ids) => sum + ids.length, 0);
    const indexData = new Int32Array(total * 2);
    const valueData = new Int32Array(total);
    let k = 0;
    encodings.forEach((ids, row) => {
      ids.forEach((id, position) => {
        indexData[2 * k] = row;
        indexData[2 * k + 1] = position;
        valueData[k++] = id;
      });
    });
    const indices = tf.tensor2d(indexData, [total, 2], 'int32');
    const values = tf.tensor1d(valueData, 'int32');
    try {
      const output = (await this.model.executeAsync({ indices, values })) as tf.Tensor2D;
      const flat = (await output.data()) as Float32Array;
      output.dispose();
      return encodings.map((_, row) => flat.slice(row * this.dimension, (row + 1) * this.dimension));
    } finally {
      indices.dispose();
      values.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}
