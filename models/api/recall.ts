import { AnswerAgent } from '../agents/answer-agent.js';
import { withoutVector, type MemoryView } from '../memory/records.js';
import type { ChatTurnParts } from './chat-turn.js';

/**
 * `memory.recall`: the memories the Answer Agent keeps for a query (60
 * candidates, distilled by the policy in use), exactly what a chat turn
 * gives its reply, from `scope` alone; nothing is recorded for learning, as no reply follows.
 */
export async function recallMemories(parts: Pick<ChatTurnParts, 'store' | 'embedder' | 'answerPolicy'>, query: string, scope: string): Promise<MemoryView[]> {
  const { kept } = await parts.answerPolicy.use(({ policy }) => new AnswerAgent({ store: parts.store, embedder: parts.embedder, policy, scope }).distil(query));
  return kept.map(withoutVector);
}
