import * as tf from '@tensorflow/tfjs';

/** A state with one feature row and one prior logit per action (or item). */
export interface RowState {
  /** Row-major [rows × featureDim]. */
  features: Float32Array;
  prior: Float32Array;
}

/**
 * Pads a batch of states with different row counts to [batch × width] and
 * scores every row with `net`: returns prior + r_θ and a 0/1 mask of real rows
 * (real rows first in each state's row of the batch). Both tensors are new and
 * belong to the caller; the logits are differentiable with respect to `net`.
 */
export function scoreBatch(net: tf.LayersModel, featureDim: number, states: readonly RowState[]): { logits: tf.Tensor2D; mask: tf.Tensor2D } {
  const width = Math.max(1, ...states.map((s) => s.prior.length));
  const features = new Float32Array(states.length * width * featureDim);
  const prior = new Float32Array(states.length * width);
  const mask = new Float32Array(states.length * width);
  states.forEach((state, b) => {
    features.set(state.features, b * width * featureDim);
    for (let i = 0; i < state.prior.length; i++) {
      prior[b * width + i] = state.prior[i]!;
      mask[b * width + i] = 1;
    }
  });
  return tf.tidy(() => {
    const residual = (net.apply(tf.tensor2d(features, [states.length * width, featureDim])) as tf.Tensor).reshape([states.length, width]);
    const logits = tf.add(tf.tensor2d(prior, [states.length, width]), residual) as tf.Tensor2D;
    return { logits, mask: tf.tensor2d(mask, [states.length, width]) };
  });
}

/**
 * prior + r_θ for one state, as plain numbers (the inference path: no padding,
 * no gradients). r_θ (createResidualNet: dense tanh, then dense to one score)
 * is computed here in plain JavaScript from the net's current weights: a chat
 * turn scores 60 rows, and TensorFlow.js's per-operation cost made that a
 * millisecond of the event loop, many times the arithmetic. The training path
 * (`scoreBatch`) stays in TensorFlow.js; tests hold the two equal.
 */
export function scoreState(net: tf.LayersModel, featureDim: number, state: RowState): Float32Array {
  const rows = state.prior.length;
  if (rows === 0) return new Float32Array(0);
  const [kernel, bias, outKernel, outBias] = residualWeights(net, featureDim);
  const hidden = bias.length;
  const scores = Float32Array.from(state.prior);
  const activation = new Float64Array(hidden);
  for (let row = 0; row < rows; row++) {
    activation.set(bias);
    for (let f = 0; f < featureDim; f++) {
      const x = state.features[row * featureDim + f]!;
      if (x === 0) continue;
      for (let h = 0; h < hidden; h++) activation[h]! += x * kernel[f * hidden + h]!;
    }
    let score = outBias[0]!;
    for (let h = 0; h < hidden; h++) score += Math.tanh(activation[h]!) * outKernel[h]!;
    scores[row]! += score;
  }
  return scores;
}

/** The residual net's [kernel, bias, output kernel, output bias], as they are now (training changes them). */
function residualWeights(net: tf.LayersModel, featureDim: number): [Float32Array, Float32Array, Float32Array, Float32Array] {
  const [hiddenLayer, outputLayer] = net.layers;
  const activations = net.layers.map((layer) => String(layer.getConfig().activation));
  if (net.layers.length !== 2 || activations[0] !== 'tanh' || activations[1] !== 'linear') {
    throw new Error(`scoreState expects the residual net (dense tanh, dense linear); got layers with activations ${activations.join(', ')}`);
  }
  const weights = [...hiddenLayer!.getWeights(), ...outputLayer!.getWeights()].map((weight) => weight.dataSync() as Float32Array);
  const [kernel, bias, outKernel, outBias] = weights;
  if (!kernel || !bias || !outKernel || !outBias || kernel.length !== featureDim * bias.length) throw new Error('scoreState: the residual net has no biases or another input size');
  return [kernel, bias, outKernel, outBias];
}
