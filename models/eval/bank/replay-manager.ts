import { heuristicDecision } from '../../agents/heuristic-prior.js';
import { managerActions, managerState, PRIOR_CONFIDENCE, type ManagerAction } from '../../agents/manager-state.js';
import type { CategoricalState } from '../../rl/categorical-policy.js';
import { SimBank, type SimFact, type SimRelated } from './sim-bank.js';

/** Related memories per fact, as the Memory Manager retrieves them (the paper: 10). */
export const RELATED_MEMORIES = 10;

/** One decision as the manager faces it. */
export interface ManagerView {
  bank: SimBank;
  fact: SimFact;
  related: SimRelated[];
  /** The bank is at its budget: ADD is forbidden. */
  full: boolean;
  /** The zero-shot heuristic's choice (the policy's prior). */
  prior: ManagerAction;
  state: CategoricalState;
  actions: ManagerAction[];
}

/** Picks the operation for one decision. */
export type ManagerChooser = (view: ManagerView) => ManagerAction;

/** The manager's view of `fact` against `bank`: its related memories, the heuristic prior and the policy state. */
export function managerView(bank: SimBank, fact: SimFact, capacity: number | undefined): ManagerView {
  const related = bank.related(fact.vector, RELATED_MEMORIES);
  const full = capacity !== undefined && bank.memories.length >= capacity;
  const prior = heuristicDecision(fact, related, full);
  return { bank, fact, related, full, prior, state: managerState(fact, related, prior, PRIOR_CONFIDENCE, full), actions: managerActions(related.length) };
}

/**
 * Feeds facts, in order, to a manager over an in-memory bank, exactly as
 * `MemoryManager` (without an LLM) applies them to the store: the same
 * related memories, prior, state, budget (`capacity`, in memories) and
 * merges. `onDecision` sees every decision and the action taken. Returns the
 * bank it leaves.
 */
export function replayManager(
  facts: Iterable<SimFact>,
  choose: ManagerChooser,
  capacity?: number,
  start = SimBank.empty(),
  onDecision?: (view: ManagerView, action: ManagerAction) => void,
): SimBank {
  let bank = start;
  for (const fact of facts) {
    const view = managerView(bank, fact, capacity);
    const action = choose(view);
    onDecision?.(view, action);
    bank = bank.apply(fact, view.related, action);
  }
  return bank;
}

/** The heuristic's own choice (the zero-shot manager). */
export const heuristicChooser: ManagerChooser = (view) => view.prior;
/** Every fact ADDed (the `add-all` bank, which ignores any budget). */
export const addAllChooser: ManagerChooser = () => ({ kind: 'ADD' });
