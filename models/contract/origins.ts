/**
 * Who made a journaled change, as the `origin` string says it (DESIGN §3):
 * `user`, `import`, `restore`, `manager@<policy version>` for the Memory
 * Manager in a chat, `mcp:<client>` for a change another tool asked for over
 * MCP (a `forget`), and `mcp:<client>/manager@<policy version>` for the
 * manager's decisions on text another tool sent (`remember`); a tool that
 * chats through the OpenAI-compatible memory proxy is `proxy:<client>`. One place
 * writes and reads the format; browser-safe (the renderer labels cards with it).
 */

/** The longest client name kept in an origin. */
const MAX_CLIENT_CHARS = 100;

/** How another tool reaches the memory: MCP, or the OpenAI-compatible proxy. */
export type ClientChannel = 'mcp' | 'proxy';

/** An origin a caller may name for a `memory.remember` or `memory.delete`: `mcp:` or `proxy:` and a client name (no `/`, no control characters). */
export const CLIENT_ORIGIN_PATTERN = new RegExp(`^(?:mcp|proxy):[^/\\p{Cc}]{1,${MAX_CLIENT_CHARS}}$`, 'u');

/** `mcp:<client>` (or `proxy:<client>`) for a client's name, made safe for the journal (the name is untrusted input). */
export function clientOrigin(clientName: string | undefined, channel: ClientChannel = 'mcp'): string {
  const name = (clientName ?? '').replace(/[/\p{Cc}]/gu, ' ').trim().slice(0, MAX_CLIENT_CHARS) || 'unnamed client';
  return `${channel}:${name}`;
}

/** The Memory Manager's origin: `manager@<version>`, prefixed with the client that sent the text (`mcp:<client>/`), if one did. */
export function managerOrigin(policyVersion: string, client?: string): string {
  return client ? `${client}/manager@${policyVersion}` : `manager@${policyVersion}`;
}

/** What an origin says: the client that asked (MCP), and whether the Memory Manager decided it. */
export function readOrigin(origin: string): { client: string | null; byManager: boolean } {
  const match = /^(?:mcp|proxy):([^/]*)(\/manager@.*)?$/u.exec(origin);
  if (match) return { client: match[1]!, byManager: match[2] !== undefined };
  return { client: null, byManager: origin.startsWith('manager@') };
}

/**
 * Whether an operation waits for the user's review: the Memory Manager's
 * decisions, and every change another tool made. The user's own changes (by
 * hand, imports, restores, a rejection's revert, an edit) do not.
 */
export function awaitsReview(origin: string): boolean {
  const { client, byManager } = readOrigin(origin);
  return byManager || client !== null;
}
