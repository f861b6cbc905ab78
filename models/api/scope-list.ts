import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { ConversationLog } from '../memory/conversation-log.js';
import type { MemoryStore } from '../memory/store.js';
import type { McpClients } from './mcp-clients.js';

/**
 * `memory.scopes`: every scope in use (memories, conversations, the tools'
 * settings) with its memory count, `personal` first and always, then by name.
 */
export async function listScopes(store: MemoryStore, conversations: ConversationLog, clients: McpClients): Promise<Array<{ scope: string; memories: number }>> {
  const counts = await store.scopeCounts();
  const names = new Set([DEFAULT_SCOPE, ...counts.keys(), ...conversations.scopes(), ...clients.list().map((client) => client.scope)]);
  return [...names]
    .sort((a, b) => (a === DEFAULT_SCOPE ? -1 : b === DEFAULT_SCOPE ? 1 : a.localeCompare(b)))
    .map((scope) => ({ scope, memories: counts.get(scope) ?? 0 }));
}
