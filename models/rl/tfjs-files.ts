/**
 * A `tf.LayersModel` as the two files of the standard TF.js layers format
 * (`model.json` + `weights.bin`, what `tf.loadLayersModel` and tfjs-node's
 * `file://` handler read and write), in memory. The `file://` handler exists
 * only in tfjs-node, which this app cannot count on, and the checkpoint store
 * must hash and fsync the bytes itself anyway.
 */
import * as tf from '@tensorflow/tfjs';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** The files of one model, by name (`model.json`, `weights.bin`). */
export type LayersModelFiles = Record<string, Uint8Array>;

/** The model's topology and weights (no optimizer state) as `model.json` and `weights.bin`. */
export async function layersModelToFiles(model: tf.LayersModel): Promise<LayersModelFiles> {
  let files: LayersModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      if (!artifacts.modelTopology || !artifacts.weightSpecs) throw new Error('the model gave no topology or weights to save');
      // Newer TF.js may hand over the weights in several buffers; the file is one shard.
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? []));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      files = { [MODEL_JSON]: new TextEncoder().encode(JSON.stringify(modelJson)), [WEIGHTS_BIN]: weights };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!files) throw new Error('TF.js did not call the save handler');
  return files;
}

/** Builds the model from its `model.json` and the weight shards that file names. Throws when a file is missing or unreadable. */
export async function layersModelFromFiles(files: LayersModelFiles): Promise<tf.LayersModel> {
  const jsonBytes = files[MODEL_JSON];
  if (!jsonBytes) throw new Error(`${MODEL_JSON} is missing`);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(new TextDecoder().decode(jsonBytes)) as tf.io.ModelJSON;
  } catch (error) {
    throw new Error(`${MODEL_JSON} is not JSON: ${(error as Error).message}`);
  }
  if (!modelJson?.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new Error(`${MODEL_JSON} is not a TF.js layers model (no modelTopology or weightsManifest)`);
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const shards = manifest.flatMap((group) => group.paths).map((path) => {
      const shard = files[path];
      if (!shard) throw new Error(`weight file ${path} named in ${MODEL_JSON} is missing`);
      // A copy: the shard may be a view into a larger (pooled) buffer.
      return new Uint8Array(shard).buffer;
    });
    return [tf.io.getWeightSpecs(manifest), tf.io.CompositeArrayBuffer.join(shards)];
  });
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
