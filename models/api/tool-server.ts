import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatch } from './dispatch.js';
import { listenGuarded } from './guarded-listener.js';
import { refuse, sendJson } from './json-reply.js';
import type { MemoryProxyOptions } from './openai-proxy/memory-proxy.js';
import { ToolEndpoints } from './tool-endpoints.js';
import type { ToolAddresses } from './tool-endpoints-route.js';

/** Where the desktop app's tool endpoints listen unless that port is taken: beside Ollama's 11434, clear of LM Studio (1234), llama.cpp (8080), Jan (1337) and vLLM (8000). */
export const DEFAULT_TOOL_PORT = 11_436;

export interface ToolServerOptions {
  dispatch: Dispatch;
  mcpToken: string;
  proxy?: Omit<MemoryProxyOptions, 'dispatch'>;
  /** Tried first (default `DEFAULT_TOOL_PORT`); when another program has it, any free port, with a notice. 0: any free port. */
  port?: number;
}

export interface ToolServer extends ToolAddresses {
  port: number;
  close(): Promise<void>;
}

/**
 * The tools' endpoints alone (`/mcp`, `/v1/…`), on 127.0.0.1, for the
 * desktop app, whose own UI talks over IPC: no pages and no `/api`, so
 * nothing here can be driven without an MCP token or a client key. The
 * port is stable so that a tool is configured once; a taken one falls back
 * to a free port rather than leaving the tools without memory.
 */
export async function startToolServer(options: ToolServerOptions): Promise<ToolServer> {
  const host = '127.0.0.1';
  const preferred = options.port ?? DEFAULT_TOOL_PORT;
  const tools = new ToolEndpoints({ dispatch: options.dispatch, mcpToken: options.mcpToken, proxy: options.proxy });

  async function handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const tool = tools.handle(req, res, pathname);
    if (tool) return tool;
    sendJson(res, refuse('NOT_FOUND', 'this address serves other tools only: MCP at /mcp and the OpenAI-compatible memory proxy at /v1 (the app itself is its window)'));
  }

  const listener = await listenGuarded(host, preferred === 0 ? [0] : [preferred, 0], handle);
  const notice = preferred !== 0 && listener.port !== preferred ? `port ${preferred} was taken by another program, so this run listens on ${listener.port}: tools configured with ${preferred} need the new address` : null;
  return {
    port: listener.port,
    mcpUrl: `${listener.origin}/mcp`,
    mcpToken: options.mcpToken,
    proxyUrl: tools.hasProxy ? `${listener.origin}/v1` : null,
    notice,
    close: async () => {
      await tools.close();
      await listener.close();
    },
  };
}
