import { actionIndex, managerActions, sameAction } from '../agents/manager-state.js';
import type { CategoricalState } from '../rl/categorical-policy.js';
import type { TrainablePolicy } from '../rl/policy.js';
import type { FactKind, ManagerExample } from './synthetic-memory-task.js';
import type { TrainEnvironment } from './train-loop.js';

/**
 * The manager's training task on examples with a known optimal operation:
 * reward 1 for the optimal action (kind and target), else 0. Evaluation is
 * greedy on held-out examples, overall and per fact kind.
 */
export function managerEnvironment(train: readonly ManagerExample[], test: readonly ManagerExample[]): TrainEnvironment<CategoricalState, number> {
  const byState = new Map<CategoricalState, ManagerExample>([...train, ...test].map((e) => [e.state, e]));
  const correct = (example: ManagerExample, action: number) => sameAction(managerActions(example.related.length)[action]!, example.optimal);
  return {
    states: train.map((e) => e.state),
    reward: (state, action) => (correct(byState.get(state)!, action) ? 1 : 0),
    stateFeatures: (state) => byState.get(state)!.stateFeatures,
    evaluate: (policy: TrainablePolicy<CategoricalState, number>) => optimalRates(test, (e) => correct(e, policy.greedy(e.state))),
  };
}

/** Share of examples decided optimally, overall and per kind. */
export function optimalRates(examples: readonly ManagerExample[], isOptimal: (e: ManagerExample) => boolean): Record<string, number> {
  const kinds = new Map<FactKind, { right: number; total: number }>();
  let right = 0;
  for (const example of examples) {
    const ok = isOptimal(example);
    right += ok ? 1 : 0;
    const tally = kinds.get(example.kind) ?? { right: 0, total: 0 };
    tally.total++;
    tally.right += ok ? 1 : 0;
    kinds.set(example.kind, tally);
  }
  return { optimal_rate: right / Math.max(1, examples.length), ...Object.fromEntries([...kinds].map(([kind, t]) => [`optimal_${kind}`, t.right / t.total])) };
}

/** The heuristic prior's own rate on the same examples (the zero-shot baseline). */
export function heuristicRates(examples: readonly ManagerExample[]): Record<string, number> {
  return optimalRates(examples, (e) => actionIndex(e.heuristic, e.related.length) === actionIndex(e.optimal, e.related.length));
}
