import * as tf from '@tensorflow/tfjs';
import { clippedValueLoss, gae, maskedClippedPolicyLoss, maskedMean, whiten } from './core-algos.js';
import type { RewardFn } from './grpo-trainer.js';
import type { TrainablePolicy } from './policy.js';
import { variablesOf } from './residual-net.js';
import { stepMetrics, type StepMetrics } from './step-metrics.js';
import { padRows, read, readPolicyStats, realItems, type TrainerHooks, type UpdateStats } from './trainer-hooks.js';

export interface PpoConfig {
  clipEps: number;
  valueClip: number;
  valueCoef: number;
  entropyCoef: number;
  /** β of an exact KL(π_θ || π_ref) loss term (mean over real items), as verl's `use_kl_loss`: keeps PPO near the reference too. 0 turns it off. */
  klCoef: number;
  epochs: number;
  minibatchSize: number;
  gamma: number;
  lambda: number;
  learningRate: number;
  criticLearningRate: number;
  /** Sampling temperature in training; every log-probability, entropy and KL of the update is taken at it too. */
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
 * episodes these are r - V(s)), the clipped ratio per item with the sample's
 * advantage broadcast and a mean over real items (verl's token-mean), clipped
 * value loss, entropy bonus, the exact KL to the reference as a loss term,
 * shuffled minibatches. Actor and critic have their own optimizers, as in the
 * paper's setup (different learning rates).
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
    private readonly hooks: TrainerHooks<S, A> = {},
    /** The KL reference; by default a frozen snapshot of the policy at construction. */
    reference?: TrainablePolicy<S, A>,
  ) {
    this.actorOptimizer = tf.train.adam(config.learningRate);
    this.criticOptimizer = tf.train.adam(config.criticLearningRate);
    this.reference = reference ?? policy.snapshot();
  }

  async step(states: readonly S[], reward: RewardFn<S, A>): Promise<StepMetrics> {
    const { temperature } = this.config;
    const actions = states.map((state) => this.policy.sample(state, this.random, temperature));
    const rewards: number[] = [];
    for (let i = 0; i < states.length; i++) rewards.push(await reward(states[i]!, actions[i]!));
    const stateDim = this.stateFeatures(states[0]!).length;
    const features = new Float32Array(states.length * stateDim);
    states.forEach((state, i) => features.set(this.stateFeatures(state), i * stateDim));
    const oldValues = tf.tidy(() => Array.from((this.critic.predict(tf.tensor2d(features, [states.length, stateDim])) as tf.Tensor).dataSync()));
    // Each episode is one decision: done after every step.
    const { advantages, returns } = gae(rewards, oldValues, states.map(() => true), this.config.gamma, this.config.lambda);
    const normalized = whiten(advantages);
    // The sampling policy's per-item log-probs at the sampling temperature, as rows of real items (minibatches re-pad them).
    const old = this.policy.itemLogProbs(states, actions, temperature);
    const oldLogProbs = realItems(old.logp, old.mask);
    tf.dispose([old.logp, old.mask]);
    this.hooks.onRollout?.({ states, actions, rewards, advantages: normalized, oldLogProbs });

    const updates: UpdateStats[] = [];
    for (let epoch = 0; epoch < this.config.epochs; epoch++) {
      this.minibatches(states.length).forEach((batch, minibatch) => {
        const pick = <T>(xs: readonly T[]) => batch.map((i) => xs[i]!);
        const batchFeatures = new Float32Array(batch.length * stateDim);
        batch.forEach((i, j) => batchFeatures.set(features.subarray(i * stateDim, (i + 1) * stateDim), j * stateDim));
        const update = this.update(
          { epoch, minibatch },
          { states: pick(states), actions: pick(actions), oldLogProbs: pick(oldLogProbs), advantages: pick(normalized), features: batchFeatures, stateDim, oldValues: pick(oldValues), returns: pick(returns) },
        );
        this.hooks.onUpdate?.(update);
        updates.push(update);
      });
    }
    return stepMetrics(rewards, updates);
  }

  /** One actor and one critic step on a minibatch. */
  private update(at: Pick<UpdateStats, 'epoch' | 'minibatch'>, batch: Minibatch<S, A>): UpdateStats {
    const { clipEps, temperature, valueClip, valueCoef, entropyCoef, klCoef } = this.config;
    const actorVariables = this.policy.variables();
    const criticVariables = variablesOf(this.critic);
    const refLogits = tf.tidy(() => this.reference.batchLogits(batch.states).logits);
    let stats: UpdateStats | undefined;
    const { grads, value } = tf.variableGrads(() => {
      const terms = this.policy.itemTerms(batch.states, batch.actions, refLogits, temperature);
      const oldLogp = padRows(batch.oldLogProbs, terms.logp.shape[1]);
      const policy = maskedClippedPolicyLoss(terms.logp, oldLogp, tf.tensor1d(batch.advantages), terms.mask, clipEps);
      const values = (this.critic.apply(tf.tensor2d(batch.features, [batch.states.length, batch.stateDim])) as tf.Tensor).reshape([-1]) as tf.Tensor1D;
      const valueLoss = clippedValueLoss(values, tf.tensor1d(batch.oldValues), tf.tensor1d(batch.returns), valueClip);
      const entropy = maskedMean(terms.entropy, terms.mask);
      const kl = maskedMean(terms.kl, terms.mask);
      stats = { ...at, ...readPolicyStats(policy), kl: read(kl), entropy: read(entropy), valueLoss: read(valueLoss) };
      return tf.addN([policy.loss, tf.mul(valueCoef, valueLoss), tf.mul(-entropyCoef, entropy), tf.mul(klCoef, kl)]) as tf.Scalar;
    }, [...actorVariables, ...criticVariables]);
    this.actorOptimizer.applyGradients(Object.fromEntries(actorVariables.map((v) => [v.name, grads[v.name]!])));
    this.criticOptimizer.applyGradients(Object.fromEntries(criticVariables.map((v) => [v.name, grads[v.name]!])));
    tf.dispose([value, refLogits, ...Object.values(grads)]);
    return stats!;
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

/** A minibatch's slice of the rollout: what one update treats as data. */
interface Minibatch<S, A> {
  states: readonly S[];
  actions: readonly A[];
  oldLogProbs: readonly (readonly number[])[];
  advantages: number[];
  /** Critic inputs, row-major [states × stateDim]. */
  features: Float32Array;
  stateDim: number;
  oldValues: number[];
  returns: number[];
}
