import { setTimeout as sleep } from 'node:timers/promises';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { MemoryError, isMemoryError } from '../../memory/errors.js';
import { Assistant, type AssistantOptions } from '../assistant.js';
import type { Dispatch } from '../dispatch.js';
import { findServe, type ServeDiscovery } from '../serve-discovery.js';
import { forwardingDispatch } from './forwarding-dispatch.js';
import { mcpHttpRelay } from './http-relay.js';
import { createMemoryMcpServer } from './memory-mcp-server.js';

/** How long to look for a `memr1 serve` or desktop app that holds the profile but has not announced itself yet (it opens the profile first). */
const ANNOUNCE_WAIT_MS = 10_000;
const ANNOUNCE_POLL_MS = 200;

/** What answers the MCP host, and how this process got it. */
export interface McpBackend {
  /** Serves the host on `transport` (stdio) until `close`. */
  connect(transport: Transport): Promise<void>;
  /** Said on stderr at start: which process answers. */
  description: string;
  /** Why a trained policy could not be used (an Assistant opened here). */
  warnings: readonly string[];
  close(): Promise<void>;
}

/**
 * A profile has one writer. When a `memr1 serve` holds it, every call is
 * forwarded to its API; when the desktop app holds it, the MCP messages are
 * relayed to the app's own `/mcp`; when nothing does, this process opens the
 * profile itself (and holds it until it closes). A holder that announced
 * nothing (another memr1 command) is a refusal that says what to do.
 */
export async function openMcpBackend(options: AssistantOptions): Promise<McpBackend> {
  const serving = findServe(options.profileDir);
  if (serving) return reach(serving);
  let assistant: Assistant;
  try {
    assistant = await Assistant.open(options);
  } catch (error) {
    if (!isMemoryError(error) || error.code !== 'PROFILE_LOCKED') throw error;
    const announced = await waitForServe(options.profileDir);
    if (announced) return reach(announced);
    throw new MemoryError(
      'PROFILE_LOCKED',
      `${error.message}. That process offers nothing to forward to (another memr1 command, or a desktop app whose endpoints for other tools did not start): ` +
        `close it and start this MCP server again, or run \`memr1 serve --profile ${options.profileDir}\` or the desktop app, which memr1 mcp forwards to`,
    );
  }
  return { ...served(assistant.dispatch, () => assistant.close()), description: `opened ${assistant.profileDir}`, warnings: assistant.warnings };
}

function reach(serving: ServeDiscovery): McpBackend {
  if (serving.app === 'desktop') {
    const relay = mcpHttpRelay(serving);
    return { ...relay, description: `relaying to the desktop app (pid ${serving.pid}, ${serving.url}), which holds the profile`, warnings: [] };
  }
  return { ...served(forwardingDispatch(serving), async () => {}), description: `forwarding to memr1 serve (pid ${serving.pid}, ${serving.url}), which holds the profile`, warnings: [] };
}

/** The memory's MCP server in this process, over `dispatch`; `release` runs after it closes. */
function served(dispatch: Dispatch, release: () => Promise<void>): Pick<McpBackend, 'connect' | 'close'> {
  const server = createMemoryMcpServer(dispatch);
  return {
    connect: (transport) => server.connect(transport),
    close: async () => {
      await server.close();
      await release();
    },
  };
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
