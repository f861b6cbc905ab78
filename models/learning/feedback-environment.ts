import type { RowState } from '../rl/pad-batch.js';
import type { TrainablePolicy } from '../rl/policy.js';
import type { TrainEnvironment } from '../train/train-loop.js';
import type { AgentData } from './dataset.js';
import type { Scores } from './update-job.js';

/** The promotion gate's headline score: the mean reward of the greedy action on held-out feedback. */
export const HELD_OUT_REWARD = 'heldout_reward';

/**
 * The user's feedback as a training task for the existing train loop: the
 * states are the training samples', the reward is the sample's reward
 * function of the sampled action, and evaluation is greedy on the held-out
 * samples (plus `alsoEvaluate`, e.g. LoCoMo validation). `pace` runs after
 * every step (the worker's back-off while the app serves the chat).
 */
export function feedbackEnvironment<X extends { state: RowState; stateFeatures: Float32Array }, A>(
  data: AgentData<X>,
  reward: (sample: X, action: A) => number,
  alsoEvaluate?: (policy: TrainablePolicy<RowState, A>) => Promise<Scores>,
  pace?: () => Promise<void>,
): TrainEnvironment<RowState, A> {
  const byState = new Map<RowState, X>(data.train.map((sample) => [sample.state, sample]));
  return {
    states: data.train.map((sample) => sample.state),
    reward: (state, action) => reward(byState.get(state)!, action),
    stateFeatures: (state) => byState.get(state)!.stateFeatures,
    ...(pace ? { afterStep: async () => (await pace(), {}) } : {}),
    evaluate: async (policy) => {
      const total = data.heldOut.reduce((sum, sample) => sum + reward(sample, policy.greedy(sample.state)), 0);
      return { [HELD_OUT_REWARD]: total / Math.max(1, data.heldOut.length), ...(await alsoEvaluate?.(policy)) };
    },
  };
}
