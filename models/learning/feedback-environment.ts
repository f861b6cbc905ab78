import type { RowState } from '../rl/pad-batch.js';
import type { TrainablePolicy } from '../rl/policy.js';
import type { TrainEnvironment } from '../train/train-loop.js';
import type { AgentData } from './dataset.js';
import type { Scores } from './update-job.js';

/**
 * The user's feedback as a training task for the existing train loop: the
 * states are the training samples', the reward is the sample's reward
 * function of the sampled action; `evaluate` (before the first step and
 * after the last, for the curve) is `score`, the gate's held-out value.
 * `pace` runs after every step (the worker's back-off while the app serves
 * the chat).
 */
export function feedbackEnvironment<X extends { state: RowState; stateFeatures: Float32Array }, A>(
  data: AgentData<X>,
  reward: (sample: X, action: A) => number,
  score: (policy: TrainablePolicy<RowState, A>) => Scores,
  pace?: () => Promise<void>,
): TrainEnvironment<RowState, A> {
  const byState = new Map<RowState, X>(data.train.map((sample) => [sample.state, sample]));
  return {
    states: data.train.map((sample) => sample.state),
    reward: (state, action) => reward(byState.get(state)!, action),
    stateFeatures: (state) => byState.get(state)!.stateFeatures,
    ...(pace ? { afterStep: async () => (await pace(), {}) } : {}),
    evaluate: score,
  };
}
