import { stableMcpToken } from '../models/api/mcp-token-file.js';
import type { ProfileHost } from '../models/api/profile-host.js';
import { announceServe } from '../models/api/serve-discovery.js';
import { startToolServer, type ToolServer } from '../models/api/tool-server.js';

/** The desktop app's endpoints for other tools, and how to take them down. */
export interface DesktopToolEndpoints {
  server: ToolServer;
  /** Withdraws the announcement and stops listening (before the profile is released). */
  close(): Promise<void>;
}

/**
 * What `memr1 serve` offers other tools, in the desktop app: `/mcp` and
 * `/v1/…` on 127.0.0.1 (the stable port, or a free one when it is taken),
 * with the profile's kept MCP token; announced in the profile so that
 * `memr1 mcp` relays to it rather than refusing a held profile.
 */
export async function openDesktopToolEndpoints(host: ProfileHost, port: number | undefined): Promise<DesktopToolEndpoints> {
  const mcpToken = await stableMcpToken(host.profileDir);
  const server = await startToolServer({ dispatch: host.dispatch, mcpToken, proxy: host.proxyOptions(), ...(port !== undefined ? { port } : {}) });
  if (server.notice) console.error(`memr1: ${server.notice}`);
  const withdraw = announceServe(host.profileDir, server.mcpUrl, mcpToken, 'desktop');
  return {
    server,
    close: async () => {
      withdraw();
      await server.close();
    },
  };
}
