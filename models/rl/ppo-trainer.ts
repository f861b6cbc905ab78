import * as tf from '@tensorflow/tfjs';
import { clippedPolicyLoss, clippedValueLoss, gae, klPenalty, whiten } from './core-algos.js';
import type { RewardFn } from './grpo-trainer.js';
import type { TrainablePolicy } from './policy.js';
import { variablesOf } from './residual-net.js';
import { meanStd, type StepMetrics } from './step-metrics.js';

export interface PpoConfig {
  clipEps: number;
  valueClip: number;
  valueCoef: number;
  entropyCoef: number;
  /** β of a k3 KL(π_θ || π_ref) loss term, as verl's `use_kl_loss`: keeps PPO near the reference too. 0 turns it off. */
  klCoef: number;
  epochs: number;
  minibatchSize: number;
  gamma: number;
  lambda: number;
  learningRate: number;
  criticLearningRate: number;
  temperature: number;
}

export const DEFAULT_PPO: PpoConfig = {
  clipEps: 0.2,
  valueClip: 0.2,
  valueCoef: 0.5,
  entropyCoef: 0.01,
  klCoef: 0.02,
  epochs: 4,
  minibatchSize: 64,
  gamma: 1,
  lambda: 1,
  learningRate: 0.01,
  criticLearningRate: 0.01,
  temperature: 1,
};

/**
 * Proximal Policy Optimization (Schulman et al., 2017) with a separate critic
 * V(s): one action per state, GAE advantages (for Memory-R1's single-step
 * episodes these are r - V(s)), clipped ratio, clipped value loss, entropy
 * bonus, a KL loss to the reference, shuffled minibatches. Actor and critic have their own optimizers, as
 * in the paper's setup (different learning rates).
 */
export class PpoTrainer<S, A> {
  private readonly actorOptimizer: tf.Optimizer;
  private readonly criticOptimizer: tf.Optimizer;
  private readonly reference: TrainablePolicy<S, A>;

  constructor(
    private readonly policy: TrainablePolicy<S, A>,
    private readonly critic: tf.LayersModel,
    private readonly stateFeatures: (state: S) => Float32Array,
    private readonly config: PpoConfig,
    private readonly random: () => number,
  ) {
    this.actorOptimizer = tf.train.adam(config.learningRate);
    this.criticOptimizer = tf.train.adam(config.criticLearningRate);
    this.reference = policy.snapshot();
  }

  async step(states: readonly S[], reward: RewardFn<S, A>): Promise<StepMetrics> {
    const actions = states.map((state) => this.policy.sample(state, this.random, this.config.temperature));
    const rewards: number[] = [];
    for (let i = 0; i < states.length; i++) rewards.push(await reward(states[i]!, actions[i]!));
    const stateDim = this.stateFeatures(states[0]!).length;
    const features = new Float32Array(states.length * stateDim);
    states.forEach((state, i) => features.set(this.stateFeatures(state), i * stateDim));
    const oldValues = tf.tidy(() => Array.from((this.critic.predict(tf.tensor2d(features, [states.length, stateDim])) as tf.Tensor).dataSync()));
    // Each episode is one decision: done after every step.
    const { advantages, returns } = gae(rewards, oldValues, states.map(() => true), this.config.gamma, this.config.lambda);
    const normalized = whiten(advantages);
    const oldLogp = Array.from(tf.tidy(() => this.policy.logProb(states, actions).dataSync()));
    const refLogp = Array.from(tf.tidy(() => this.reference.logProb(states, actions).dataSync()));

    const actorVariables = this.policy.variables();
    const criticVariables = variablesOf(this.critic);
    let last = { policyLoss: 0, valueLoss: 0, clipFraction: 0 };
    for (let epoch = 0; epoch < this.config.epochs; epoch++) {
      for (const batch of this.minibatches(states.length)) {
        const pick = <T>(xs: readonly T[]) => batch.map((i) => xs[i]!);
        const batchFeatures = new Float32Array(batch.length * stateDim);
        batch.forEach((i, j) => batchFeatures.set(features.subarray(i * stateDim, (i + 1) * stateDim), j * stateDim));
        const { grads, value } = tf.variableGrads(() => {
          const logp = this.policy.logProb(pick(states), pick(actions));
          const policy = clippedPolicyLoss(logp, tf.tensor1d(pick(oldLogp)), tf.tensor1d(pick(normalized)), this.config.clipEps);
          const values = (this.critic.apply(tf.tensor2d(batchFeatures, [batch.length, stateDim])) as tf.Tensor).reshape([-1]) as tf.Tensor1D;
          const valueLoss = clippedValueLoss(values, tf.tensor1d(pick(oldValues)), tf.tensor1d(pick(returns)), this.config.valueClip);
          const entropy = tf.mean(this.policy.entropy(pick(states)));
          const kl = tf.mean(klPenalty(logp, tf.tensor1d(pick(refLogp)), 'k3'));
          last = { policyLoss: policy.loss.dataSync()[0]!, valueLoss: valueLoss.dataSync()[0]!, clipFraction: policy.clipFraction.dataSync()[0]! };
          return tf.addN([policy.loss, tf.mul(this.config.valueCoef, valueLoss), tf.mul(-this.config.entropyCoef, entropy), tf.mul(this.config.klCoef, kl)]) as tf.Scalar;
        }, [...actorVariables, ...criticVariables]);
        this.actorOptimizer.applyGradients(Object.fromEntries(actorVariables.map((v) => [v.name, grads[v.name]!])));
        this.criticOptimizer.applyGradients(Object.fromEntries(criticVariables.map((v) => [v.name, grads[v.name]!])));
        tf.dispose([value, ...Object.values(grads)]);
      }
    }
    const [kl, entropy] = tf.tidy(() => {
      const logp = this.policy.logProb(states, actions);
      return [tf.mean(klPenalty(logp, this.reference.logProb(states, actions), 'k3')), tf.mean(this.policy.entropy(states))].map((t) => t.dataSync()[0]!);
    });
    const { mean, std } = meanStd(rewards);
    return { reward_mean: mean, reward_std: std, kl: kl!, entropy: entropy!, clip_frac: last.clipFraction, policy_loss: last.policyLoss, value_loss: last.valueLoss };
  }

  /** Shuffled index minibatches (seeded). */
  private minibatches(count: number): number[][] {
    const order = Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const out: number[][] = [];
    for (let i = 0; i < count; i += this.config.minibatchSize) out.push(order.slice(i, i + this.config.minibatchSize));
    return out;
  }
}
