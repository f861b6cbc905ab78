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

/** prior + r_θ for one state, as plain numbers (the inference path: no padding, no gradients). */
export function scoreState(net: tf.LayersModel, featureDim: number, state: RowState): Float32Array {
  const rows = state.prior.length;
  if (rows === 0) return new Float32Array(0);
  const residual = tf.tidy(() => (net.predict(tf.tensor2d(state.features, [rows, featureDim])) as tf.Tensor).dataSync());
  return state.prior.map((p, i) => p + residual[i]!);
}
