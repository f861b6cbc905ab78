import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryError, isMemoryError } from '../../memory/errors.js';
import { Assistant, type AssistantOptions } from '../assistant.js';
import type { Dispatch } from '../dispatch.js';
import { findServe, type ServeDiscovery } from '../serve-discovery.js';
import { forwardingDispatch } from './forwarding-dispatch.js';

/** How long to look for a `memr1 serve` that holds the profile but has not announced itself yet (it opens the profile first). */
const ANNOUNCE_WAIT_MS = 10_000;
const ANNOUNCE_POLL_MS = 200;

/** What the MCP tools call, and how this process got it. */
export interface McpBackend {
  dispatch: Dispatch;
  /** Said on stderr at start: which process answers. */
  description: string;
  /** Why a trained policy could not be used (an Assistant opened here). */
  warnings: readonly string[];
  close(): Promise<void>;
}

/**
 * A profile has one writer. When a `memr1 serve` holds it, every call is
 * forwarded to that process; when nothing does, this process opens the
 * profile itself (and holds it until it closes). A holder with no API (the
 * desktop app, another command) is a refusal that says what to do.
 */
export async function openMcpBackend(options: AssistantOptions): Promise<McpBackend> {
  const serving = findServe(options.profileDir);
  if (serving) return forwarded(serving);
  let assistant: Assistant;
  try {
    assistant = await Assistant.open(options);
  } catch (error) {
    if (!isMemoryError(error) || error.code !== 'PROFILE_LOCKED') throw error;
    const announced = await waitForServe(options.profileDir);
    if (announced) return forwarded(announced);
    throw new MemoryError(
      'PROFILE_LOCKED',
      `${error.message}. That process offers no API to forward to (the desktop app, or another memr1 command): ` +
        `close it and start this MCP server again, or run \`memr1 serve --profile ${options.profileDir}\` instead of the app, which memr1 mcp forwards to`,
    );
  }
  return { dispatch: assistant.dispatch, description: `opened ${assistant.profileDir}`, warnings: assistant.warnings, close: () => assistant.close() };
}

function forwarded(serving: ServeDiscovery): McpBackend {
  return { dispatch: forwardingDispatch(serving), description: `forwarding to memr1 serve (pid ${serving.pid}, ${serving.url}), which holds the profile`, warnings: [], close: async () => {} };
}

async function waitForServe(profileDir: string): Promise<ServeDiscovery | undefined> {
  const deadline = Date.now() + ANNOUNCE_WAIT_MS;
  while (Date.now() < deadline) {
    await sleep(ANNOUNCE_POLL_MS);
    const serving = findServe(profileDir);
    if (serving) return serving;
  }
  return undefined;
}
