import * as tf from '@tensorflow/tfjs';
import { grpoAdvantages, maskedClippedPolicyLoss, maskedMean } from './core-algos.js';
import type { TrainablePolicy } from './policy.js';
import { stepMetrics, type StepMetrics } from './step-metrics.js';
import { read, readPolicyStats, realItems, type TrainerHooks, type UpdateStats } from './trainer-hooks.js';

export interface GrpoConfig {
  /** Samples per state (G). */
  groupSize: number;
  clipEps: number;
  /** β: weight of KL(π_θ || π_ref) in the loss. */
  klCoef: number;
  /** Passes over each batch of rollouts. */
  epochs: number;
  learningRate: number;
  /** Sampling temperature in training (the paper: 1.0); every log-probability, entropy and KL of the update is taken at it too. */
  temperature: number;
}

export const DEFAULT_GRPO: GrpoConfig = { groupSize: 8, clipEps: 0.2, klCoef: 0.02, epochs: 2, learningRate: 0.01, temperature: 1 };

export type RewardFn<S, A> = (state: S, action: A) => number | Promise<number>;

export interface GrpoOptions<S, A> {
  /** The KL reference; by default a frozen snapshot of the policy at construction. */
  reference?: TrainablePolicy<S, A>;
  hooks?: TrainerHooks<S, A>;
}

/**
 * Group Relative Policy Optimization (DeepSeekMath, 2024), as Memory-R1 uses
 * it: G actions per state, rewards normalised within the group (no critic),
 * PPO's clipped ratio per item with the sample's advantage broadcast and a
 * mean over real items (verl's token-mean), and the exact KL to the reference
 * (the starting policy) as a loss term.
 */
export class GrpoTrainer<S, A> {
  private readonly reference: TrainablePolicy<S, A>;
  private readonly hooks: TrainerHooks<S, A>;
  private readonly optimizer: tf.Optimizer;

  constructor(
    private readonly policy: TrainablePolicy<S, A>,
    private readonly config: GrpoConfig,
    private readonly random: () => number,
    options: GrpoOptions<S, A> = {},
  ) {
    this.reference = options.reference ?? policy.snapshot();
    this.hooks = options.hooks ?? {};
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
    const advantageValues = grpoAdvantages(rewards, groups);
    const advantages = tf.tensor1d(advantageValues);
    // Frozen for the whole step: the sampling policy's log-probs and the reference's logits, both at the sampling temperature.
    const old = this.policy.itemLogProbs(rolloutStates, actions, temperature);
    const refLogits = tf.tidy(() => this.reference.batchLogits(rolloutStates).logits);
    try {
      this.hooks.onRollout?.({ states: rolloutStates, actions, rewards, advantages: advantageValues, oldLogProbs: realItems(old.logp, old.mask) });
      const updates: UpdateStats[] = [];
      for (let epoch = 0; epoch < this.config.epochs; epoch++) {
        const update = this.update(epoch, rolloutStates, actions, old.logp, refLogits, advantages);
        this.hooks.onUpdate?.(update);
        updates.push(update);
      }
      return stepMetrics(rewards, updates);
    } finally {
      tf.dispose([advantages, old.logp, old.mask, refLogits]);
    }
  }

  /** One optimiser step on the whole batch: clipped per-item surrogate + β · exact KL, both means over real items. */
  private update(epoch: number, states: readonly S[], actions: readonly A[], oldLogp: tf.Tensor2D, refLogits: tf.Tensor2D, advantages: tf.Tensor1D): UpdateStats {
    let stats: UpdateStats | undefined;
    this.optimizer.minimize(
      () => {
        const terms = this.policy.itemTerms(states, actions, refLogits, this.config.temperature);
        const policy = maskedClippedPolicyLoss(terms.logp, oldLogp, advantages, terms.mask, this.config.clipEps);
        const kl = maskedMean(terms.kl, terms.mask);
        stats = { epoch, minibatch: 0, ...readPolicyStats(policy), kl: read(kl), entropy: read(maskedMean(terms.entropy, terms.mask)) };
        return tf.add(policy.loss, tf.mul(this.config.klCoef, kl)) as tf.Scalar;
      },
      false,
      this.policy.variables(),
    );
    return stats!;
  }
}
