import type { BernoulliState, KeepMask } from '../rl/bernoulli-policy.js';
import type { TrainablePolicy } from '../rl/policy.js';
import type { DistillExample } from './synthetic-distill-task.js';
import type { TrainEnvironment } from './train-loop.js';

/** F1 between the kept ids and the relevant ids; an empty kept set scores 0. */
export function setF1(kept: ReadonlySet<string>, relevant: ReadonlySet<string>): number {
  if (kept.size === 0 || relevant.size === 0) return 0;
  let hit = 0;
  for (const id of kept) if (relevant.has(id)) hit++;
  if (hit === 0) return 0;
  const precision = hit / kept.size;
  const recall = hit / relevant.size;
  return (2 * precision * recall) / (precision + recall);
}

function keptIds(example: DistillExample, mask: KeepMask): Set<string> {
  return new Set(example.candidates.filter((_, i) => mask[i] === 1).map((c) => c.id));
}

/**
 * The answer agent's distillation task with known relevance: reward = F1 of
 * the kept set against the relevant memories (the evidence-F1 reward of the
 * LLM-free track). Evaluation: the share of held-out questions whose kept set
 * is exactly the relevant set (optimal), the mean F1, and the mean kept size.
 */
export function distillEnvironment(train: readonly DistillExample[], test: readonly DistillExample[]): TrainEnvironment<BernoulliState, KeepMask> {
  const byState = new Map<BernoulliState, DistillExample>([...train, ...test].map((e) => [e.state, e]));
  return {
    states: train.map((e) => e.state),
    reward: (state, mask) => {
      const example = byState.get(state)!;
      return setF1(keptIds(example, mask), example.relevant);
    },
    stateFeatures: (state) => byState.get(state)!.stateFeatures,
    evaluate: (policy: TrainablePolicy<BernoulliState, KeepMask>) => {
      let exact = 0;
      let f1 = 0;
      let kept = 0;
      for (const example of test) {
        const ids = keptIds(example, policy.greedy(example.state));
        exact += ids.size === example.relevant.size && [...ids].every((id) => example.relevant.has(id)) ? 1 : 0;
        f1 += setF1(ids, example.relevant);
        kept += ids.size;
      }
      const n = Math.max(1, test.length);
      return { optimal_rate: exact / n, f1: f1 / n, kept_mean: kept / n };
    },
  };
}
