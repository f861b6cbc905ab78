import type { Algorithm, TrainRecipe } from '../train/train-loop.js';

/**
 * A background update is small: tens of steps over the user's feedback,
 * seconds on one core. It evaluates only before the first step and after
 * the last (the promotion gate's two scores), and keeps the last step's
 * parameters: choosing among steps on the held-out feedback would let the
 * gate's own data pick the candidate. Learning rates are higher than on
 * LoCoMo because the user's signals are few and the prior (a logit bonus of
 * 3) has to be overcome where the user disagrees with it; the KL term keeps
 * the candidate near the policy in use.
 */
export const UPDATE_RECIPES: Record<Algorithm, TrainRecipe> = {
  grpo: { steps: 30, batchSize: 16, evalEvery: 30, grpo: { learningRate: 0.05, klCoef: 0.02 } },
  ppo: { steps: 30, batchSize: 32, evalEvery: 30, ppo: { learningRate: 0.05, minibatchSize: 32 } },
};
