import { MemoryManager, type AppliedDecision, type TurnInput } from '../agents/memory-manager.js';
import type { ChatModel } from '../llm/chat-model.js';
import { managerOrigin } from '../contract/origins.js';
import type { ChatTurnParts } from './chat-turn.js';

/** What a Memory Manager run works with: the chat turn's store, embedder, queue and policy. */
export type IngestParts = Pick<ChatTurnParts, 'store' | 'embedder' | 'ingests' | 'managerPolicy' | 'recorder'>;

/**
 * One Memory Manager run on a message (DESIGN §4.1, step 3), the same for a
 * chat turn and for text another tool sends (`memory.remember`): queued
 * behind the runs before it (each decision depends on the memories the
 * previous one left), with the policy in use, and recorded as episodes while
 * learning is on. The manager sees and writes only `scope` (the chat's or
 * the tool's); `client` (`mcp:<name>`) goes into each operation's origin.
 */
export function ingestMessage(
  parts: IngestParts,
  llm: ChatModel | undefined,
  message: TurnInput & { turnId: string },
  { scope, client }: { scope: string; client?: string },
): Promise<AppliedDecision[]> {
  return parts.ingests.run(() =>
    parts.managerPolicy.use(async ({ policy, version }) => {
      const manager = new MemoryManager({ store: parts.store, embedder: parts.embedder, ...(llm ? { llm } : {}), policy, policyVersion: version, origin: managerOrigin(version, client), scope });
      const applied = await manager.ingest(message);
      await parts.recorder.manager(applied, policy, version, message.turnId);
      return applied;
    }),
  );
}
