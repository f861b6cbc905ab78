import type { ManagerAction } from '../../agents/manager-state.js';
import type { CategoricalPolicy } from '../../rl/categorical-policy.js';
import type { EmbeddedConversation } from './embedded-conversation.js';
import { addAllChooser, heuristicChooser, replayManager, type ManagerChooser } from './replay-manager.js';
import { SimBank, type SimMemory } from './sim-bank.js';

/** Which bank a method answers from: raw turns, or the observations through a manager. */
export type BankKind = 'turns' | 'heuristic' | 'add-all' | 'ppo' | 'grpo';

export interface BuiltBank {
  memories: readonly SimMemory[];
  /** The manager's operations while building it (observation banks). */
  operations?: Record<ManagerAction['kind'], number>;
}

/**
 * The managed banks' default budget (`--bank-budget`), chosen with the
 * manager's training (`models/train/locomo/manager-task.ts`) on conv-26 and
 * conv-30: 30 % of the conversation's observations (55 of
 * conv-26's 184, 51 of conv-30's 169). The heuristic fills it about halfway
 * through, so most decisions are made against a full bank, where merging and
 * forgetting decide what it keeps. The heuristic's content recall is no lower
 * there than at 50 % (conv-26 0.583 vs 0.587, conv-30 0.662 vs 0.649), and
 * training gained only there: validation 0.693 / train 0.607 vs the
 * heuristic's 0.662 / 0.583, where at 50 % it reached 0.650 / 0.573 vs
 * 0.649 / 0.587. The price is longer kept memories (402 tokens for 8 kept
 * on conv-30 vs 301 at 50 %).
 */
export const DEFAULT_BANK_BUDGET = 0.3;

/** A trained manager's greedy choice. */
export function policyChooser(policy: CategoricalPolicy): ManagerChooser {
  return (view) => view.actions[policy.greedy(view.state)]!;
}

/** The bank's budget in memories: `share` of the conversation's observations (unlimited without a share). */
export function bankCapacity(conversation: EmbeddedConversation, share: number | undefined): number | undefined {
  return share === undefined ? undefined : Math.max(1, Math.round(share * conversation.facts.length));
}

/**
 * One method's bank for one conversation, in memory: raw turns as memories,
 * or the observations replayed through the zero-shot heuristic, ADD-all, or
 * a trained manager, under the bank budget (`bankBudget`, a share of the
 * observations; ADD-all ignores it). `SimBank` applies the operations as the
 * store does (a test replays both and compares), so no LanceDB commit is
 * needed per operation.
 */
export function buildSimBank(kind: BankKind, conversation: EmbeddedConversation, options: { bankBudget?: number; managers?: Partial<Record<'ppo' | 'grpo', CategoricalPolicy>> }): BuiltBank {
  if (kind === 'turns') {
    return { memories: conversation.turns.reduce((bank, turn) => bank.apply(turn, [], { kind: 'ADD' }), SimBank.empty()).memories };
  }
  const operations: Record<ManagerAction['kind'], number> = { ADD: 0, UPDATE: 0, DELETE: 0, NOOP: 0 };
  const chooser = kind === 'heuristic' ? heuristicChooser : kind === 'add-all' ? addAllChooser : policyChooser(requireManager(options.managers?.[kind], kind));
  const capacity = kind === 'add-all' ? undefined : bankCapacity(conversation, options.bankBudget);
  const bank = replayManager(conversation.facts, chooser, capacity, SimBank.empty(), (_view, action) => operations[action.kind]++);
  return { memories: bank.memories, operations };
}

function requireManager(policy: CategoricalPolicy | undefined, kind: string): CategoricalPolicy {
  if (!policy) throw new Error(`the "${kind}" bank needs a trained ${kind} manager`);
  return policy;
}
