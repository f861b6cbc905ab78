import { actionIndex, type ManagerAction } from '../../agents/manager-state.js';
import type { EmbeddedConversation } from '../../eval/bank/embedded-conversation.js';
import { DEFAULT_MANAGER_TASK, locomoManagerEnvironment } from './manager-task.js';

type Kind = ManagerAction['kind'];
const KINDS: readonly Kind[] = ['ADD', 'UPDATE', 'DELETE', 'NOOP'];
/** Window rewards closer than this are a tie (they are means of word shares, so real differences are far larger). */
const TIE = 1e-9;

/** What the manager's own reward says of one kind of operation, over every decision of the replays. */
export interface KindCensus {
  /** Decisions where an action of this kind scores above every action of another kind. */
  strictly_best: number;
  /** Decisions where its best action ties the best of another kind. */
  ties_best: number;
  /** Decisions where its best action scores above the heuristic's own choice. */
  beats_heuristic: number;
}

export interface ActionCensus {
  conversation: string;
  decisions: number;
  /** Decisions made against a full bank (ADD not allowed). */
  full: number;
  kinds: Record<Kind, KindCensus>;
}

/**
 * Which operation the Memory Manager's training reward prefers, decision by
 * decision: for every decision of the heuristic's replay of each
 * conversation under the bank budget, every allowed action's window content
 * (the reward before it is made relative, `windowContent`), with the
 * heuristic finishing the window and the zero-shot distiller answering. A
 * kind that is never strictly best cannot be chosen more often without
 * giving up content: the measurement behind the README's account of the
 * manager's NOOP share.
 */
export function actionCensus(conversations: readonly EmbeddedConversation[], bankBudget = DEFAULT_MANAGER_TASK.bankBudget): ActionCensus[] {
  return conversations.map((conversation) => {
    const env = locomoManagerEnvironment([conversation], [], { ...DEFAULT_MANAGER_TASK, bankBudget, onPolicy: false, relative: false, seed: 1 });
    const kinds = Object.fromEntries(KINDS.map((kind) => [kind, { strictly_best: 0, ties_best: 0, beats_heuristic: 0 }])) as Record<Kind, KindCensus>;
    let full = 0;
    for (const decision of env.decisions) {
      const { view } = decision;
      if (view.full) full++;
      const heuristic = env.windowContent(decision, actionIndex(view.prior, view.related.length));
      const bestOf = new Map<Kind, number>();
      view.actions.forEach((action, i) => {
        if (action.kind === 'ADD' && view.full) return;
        bestOf.set(action.kind, Math.max(bestOf.get(action.kind) ?? -Infinity, env.windowContent(decision, i)));
      });
      for (const [kind, best] of bestOf) {
        const others = Math.max(...[...bestOf].filter(([other]) => other !== kind).map(([, value]) => value));
        if (best > others + TIE) kinds[kind].strictly_best++;
        else if (best >= others - TIE) kinds[kind].ties_best++;
        if (best > heuristic + TIE) kinds[kind].beats_heuristic++;
      }
    }
    return { conversation: conversation.sampleId, decisions: env.decisions.length, full, kinds };
  });
}
