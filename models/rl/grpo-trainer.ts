import * as tf from '@tensorflow/tfjs';
import { clippedPolicyLoss, grpoAdvantages, klPenalty } from './core-algos.js';
import type { TrainablePolicy } from './policy.js';
import { meanStd, type StepMetrics } from './step-metrics.js';

export interface GrpoConfig {
  /** Samples per state (G). */
  groupSize: number;
  clipEps: number;
  /** β: weight of KL(π_θ || π_ref) in the loss. */
  klCoef: number;
  /** Passes over each batch of rollouts. */
  epochs: number;
  learningRate: number;
  /** Sampling temperature in training (the paper: 1.0). */
  temperature: number;
}

export const DEFAULT_GRPO: GrpoConfig = { groupSize: 8, clipEps: 0.2, klCoef: 0.02, epochs: 2, learningRate: 0.01, temperature: 1 };

export type RewardFn<S, A> = (state: S, action: A) => number | Promise<number>;

/**
 * Group Relative Policy Optimization (DeepSeekMath, 2024), as Memory-R1 uses
 * it: G actions per state, rewards normalised within the group (no critic),
 * PPO's clipped ratio, and a KL penalty to the reference (the starting policy).
 */
export class GrpoTrainer<S, A> {
  private readonly reference: TrainablePolicy<S, A>;
  private readonly optimizer: tf.Optimizer;

  constructor(
    private readonly policy: TrainablePolicy<S, A>,
    private readonly config: GrpoConfig,
    private readonly random: () => number,
    reference?: TrainablePolicy<S, A>,
  ) {
    this.reference = reference ?? policy.snapshot();
    this.optimizer = tf.train.adam(config.learningRate);
  }

  async step(states: readonly S[], reward: RewardFn<S, A>): Promise<StepMetrics> {
    const { groupSize, temperature } = this.config;
    const rolloutStates: S[] = [];
    const actions: A[] = [];
    const groups: number[] = [];
    states.forEach((state, i) => {
      for (const action of this.policy.sampleGroup(state, groupSize, this.random, temperature)) {
        rolloutStates.push(state);
        actions.push(action);
        groups.push(i);
      }
    });
    const rewards: number[] = [];
    for (let i = 0; i < actions.length; i++) rewards.push(await reward(rolloutStates[i]!, actions[i]!));
    const advantages = tf.tensor1d(grpoAdvantages(rewards, groups));
    const oldLogp = tf.tidy(() => this.policy.logProb(rolloutStates, actions));
    const refLogp = tf.tidy(() => this.reference.logProb(rolloutStates, actions));
    const variables = this.policy.variables();
    try {
      for (let epoch = 0; epoch < this.config.epochs; epoch++) {
        this.optimizer.minimize(() => this.loss(rolloutStates, actions, oldLogp, refLogp, advantages).total, false, variables);
      }
      const summary = tf.tidy(() => {
        const { policyLoss, clipFraction, kl } = this.loss(rolloutStates, actions, oldLogp, refLogp, advantages);
        return [policyLoss, clipFraction, kl, tf.mean(this.policy.entropy(states))].map((t) => t.dataSync()[0]!);
      });
      const { mean, std } = meanStd(rewards);
      return { reward_mean: mean, reward_std: std, policy_loss: summary[0]!, clip_frac: summary[1]!, kl: summary[2]!, entropy: summary[3]! };
    } finally {
      tf.dispose([advantages, oldLogp, refLogp]);
    }
  }

  private loss(states: readonly S[], actions: readonly A[], oldLogp: tf.Tensor1D, refLogp: tf.Tensor1D, advantages: tf.Tensor1D) {
    const logp = this.policy.logProb(states, actions);
    const { loss, clipFraction } = clippedPolicyLoss(logp, oldLogp, advantages, this.config.clipEps);
    const kl = tf.mean(klPenalty(logp, refLogp, 'k3')) as tf.Scalar;
    return { total: tf.add(loss, tf.mul(this.config.klCoef, kl)) as tf.Scalar, policyLoss: loss, clipFraction, kl };
  }
}
