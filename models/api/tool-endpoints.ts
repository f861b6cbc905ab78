import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatch } from './dispatch.js';
import { McpHttpEndpoint } from './mcp/http-endpoint.js';
import { MemoryProxy, type MemoryProxyOptions } from './openai-proxy/memory-proxy.js';

export interface ToolEndpointsOptions {
  dispatch: Dispatch;
  /** The token MCP clients send at `/mcp` (`Authorization: Bearer <mcpToken>`). */
  mcpToken: string;
  /** The OpenAI-compatible memory proxy at `/v1/…`: the chat model that answers, and the clients' keys (none: no proxy). */
  proxy?: Omit<MemoryProxyOptions, 'dispatch'> | undefined;
}

/**
 * What other tools on this machine use the memory through, in web mode and
 * in the desktop app alike: `/mcp` (MCP over streamable HTTP, its own token)
 * and `/v1/…` (the memory proxy, a key per client). Each guards itself with
 * its token; the listener has checked the Host header first.
 */
export class ToolEndpoints {
  readonly hasProxy: boolean;
  private readonly mcp: McpHttpEndpoint;
  private readonly proxy: MemoryProxy | undefined;

  constructor(options: ToolEndpointsOptions) {
    this.mcp = new McpHttpEndpoint(options.dispatch, options.mcpToken);
    this.proxy = options.proxy && new MemoryProxy({ ...options.proxy, dispatch: options.dispatch });
    this.hasProxy = this.proxy !== undefined;
  }

  /** Answers a request for `/mcp` or `/v1/…`; undefined: the path is none of theirs. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> | undefined {
    if (pathname === '/mcp') return this.mcp.handle(req, res);
    if (this.proxy && pathname.startsWith('/v1/')) return this.proxy.handle(req, res, pathname);
    return undefined;
  }

  /** Ends the MCP sessions and the proxy's replies in progress. */
  async close(): Promise<void> {
    await this.mcp.close();
    await this.proxy?.close();
  }
}
