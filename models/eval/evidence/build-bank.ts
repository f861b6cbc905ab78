import { MemoryManager } from '../../agents/memory-manager.js';
import type { Embedder } from '../../embed/embedder.js';
import type { ChatModel } from '../../llm/chat-model.js';
import { MemoryStore } from '../../memory/store.js';
import type { CategoricalPolicy } from '../../rl/categorical-policy.js';
import { turnText } from '../locomo/turn-text.js';
import type { LocomoConversation } from '../locomo/types.js';

/** Raw turns as memories, one per turn, with its dia_id as source (the RAG baseline). */
export async function bankFromTurns(store: MemoryStore, conversation: LocomoConversation): Promise<void> {
  await store.addMany(
    conversation.turns.map((turn) => ({ text: turnText(turn), subject: turn.speaker, event_time: turn.time, sources: [turn.dia_id] })),
    { origin: 'import' },
  );
}

/**
 * LoCoMo's turns fed one by one to the Memory Manager, which extracts the facts
 * with the LLM (the QA track's `--facts extraction`).
 */
export async function bankFromTurnsByExtraction(
  store: MemoryStore,
  embedder: Embedder,
  conversation: LocomoConversation,
  policy: CategoricalPolicy,
  policyVersion: string,
  llm: ChatModel,
  onTurn?: () => void,
): Promise<Record<string, number>> {
  const manager = new MemoryManager({ store, embedder, policy, policyVersion, llm });
  const counts: Record<string, number> = { ADD: 0, UPDATE: 0, DELETE: 0, NOOP: 0 };
  for (const turn of conversation.turns) {
    for (const decision of await manager.ingest({ subject: turn.speaker, text: turnText(turn), time: turn.time, sources: [turn.dia_id] })) counts[decision.op.kind]!++;
    onTurn?.();
  }
  return counts;
}

/**
 * LoCoMo's observations fed one by one, in order, to the Memory Manager as
 * given facts (the LLM-free evidence track): every ADD / UPDATE / DELETE /
 * NOOP goes through the real store and journal. Returns the operation counts.
 */
export async function bankFromObservations(
  store: MemoryStore,
  embedder: Embedder,
  conversation: LocomoConversation,
  policy: CategoricalPolicy,
  policyVersion: string,
  onFact?: () => void,
  llm?: ChatModel,
): Promise<Record<string, number>> {
  // With an LLM (the QA track) its single-fact decision is the manager's prior, as in Memory-R1.
  const manager = new MemoryManager({ store, embedder, policy, policyVersion, ...(llm ? { llm } : {}) });
  const counts: Record<string, number> = { ADD: 0, UPDATE: 0, DELETE: 0, NOOP: 0 };
  for (const observation of conversation.observations) {
    const [decision] = await manager.ingest({ subject: observation.subject, text: observation.text, time: observation.time, sources: observation.sources, facts: [observation.text] });
    if (decision) counts[decision.op.kind]!++;
    onFact?.();
  }
  return counts;
}

/** A fresh store in `dir` for one conversation and method. */
export function openBank(dir: string, embedder: Embedder): Promise<MemoryStore> {
  return MemoryStore.open({ uri: dir, embedder });
}
