import type { ToolEndpointsView } from '../contract/tool-endpoints-schemas.js';
import { createDispatcher, type Dispatch } from './dispatch.js';

/** Where the tool endpoints listen now, as their server knows it. */
export interface ToolAddresses {
  mcpUrl: string;
  mcpToken: string;
  proxyUrl: string | null;
  notice: string | null;
}

/**
 * `tools.endpoints` is answered by whoever serves the endpoints (web mode's
 * server, the desktop app), not by the profile: this wraps the profile's
 * dispatcher with it. The MCP token opens less than the page's own access
 * (memory tools only), so the page may read it; it is sent only when asked.
 */
export function withToolEndpointsRoute(dispatch: Dispatch, addresses: () => ToolAddresses | undefined): Dispatch {
  const own = createDispatcher({
    'tools.endpoints': async ({ reveal_token }): Promise<ToolEndpointsView> => {
      const now = addresses();
      if (!now) return null;
      return { mcp_url: now.mcpUrl, ...(reveal_token ? { mcp_token: now.mcpToken } : {}), proxy_url: now.proxyUrl, notice: now.notice };
    },
  });
  return (route, input, emit, signal) => (route === 'tools.endpoints' ? own(route, input, emit, signal) : dispatch(route, input, emit, signal));
}
