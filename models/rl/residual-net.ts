import * as tf from '@tensorflow/tfjs';

/**
 * r_θ: a small MLP from a feature vector to one score, added to the prior's
 * logit. Its last layer starts at zero, so an untrained policy is exactly the
 * prior (the zero-shot decision) and that policy is the RL reference.
 */
export function createResidualNet(featureDim: number, hidden: number, seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [featureDim], units: hidden, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 1, kernelInitializer: 'zeros', biasInitializer: 'zeros' }),
    ],
  });
}

/** A PPO critic V(s): the same shape, but its output layer is initialised normally so values can move. */
export function createValueNet(stateDim: number, hidden: number, seed: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [stateDim], units: hidden, activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
}

/** The net's trainable variables, for optimizers. */
export function variablesOf(net: tf.LayersModel): tf.Variable[] {
  return net.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/** A frozen copy of a residual net with the same weights (the KL reference). */
export function frozenCopy(net: tf.LayersModel): tf.Sequential {
  const hidden = net.layers[0]!.getConfig().units as number;
  const copy = createResidualNet(inputDimOf(net), hidden, 1);
  copy.setWeights(net.getWeights());
  copy.trainable = false;
  return copy;
}

/** Input size of a residual/value net. */
export function inputDimOf(net: tf.LayersModel): number {
  const shape = net.inputs[0]!.shape;
  return shape[shape.length - 1] as number;
}
