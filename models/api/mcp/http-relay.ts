import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** A JSON-RPC "server error" (the range -32000 to -32099 is the implementation's). */
const UNREACHABLE = -32000;

/** Where the MCP server that holds the profile listens (the desktop app's `/mcp`), and its token. */
export interface McpHttpTarget {
  url: string;
  token: string;
  pid: number;
}

/** Two transports joined: what the host sends goes to the desktop app, and back. */
export interface McpRelay {
  connect(host: Transport): Promise<void>;
  close(): Promise<void>;
}

/**
 * `memr1 mcp` in front of the desktop app: the host's MCP messages go, as
 * they are, to the app's `/mcp` with its MCP token, and the answers come
 * back. Relaying messages (not routes) keeps the MCP token's reach (the
 * memory tools, under the host's own name from its `initialize`) and needs
 * no API in the app that a page could drive. A message the app cannot be
 * reached for is answered with an error that says what to do.
 */
export function mcpHttpRelay(target: McpHttpTarget): McpRelay {
  const remote = new StreamableHTTPClientTransport(new URL(target.url), { requestInit: { headers: { authorization: `Bearer ${target.token}` } } });
  let host: Transport | undefined;
  return {
    async connect(hostTransport) {
      host = hostTransport;
      remote.onmessage = (message) => {
        // The protocol version is a header on every later request; the SDK's own client sets it after `initialize` too.
        if (isJSONRPCResultResponse(message) && typeof message.result.protocolVersion === 'string') remote.setProtocolVersion(message.result.protocolVersion);
        void hostTransport.send(message);
      };
      remote.onerror = (error) => console.error(`memr1 mcp: the desktop app's MCP stream: ${error.message}`);
      hostTransport.onmessage = (message: JSONRPCMessage) => {
        remote.send(message).catch((error: unknown) => {
          if (!isJSONRPCRequest(message)) return console.error(`memr1 mcp: could not pass a message to the desktop app: ${(error as Error).message}`);
          void hostTransport.send({
            jsonrpc: '2.0',
            id: message.id,
            error: {
              code: UNREACHABLE,
              message:
                `the desktop app (pid ${target.pid}, ${target.url}), which holds this profile, did not take the call (${(error as Error).message}); ` +
                'if it quit or restarted, restart this MCP server (it then forwards to the app again, or opens the profile itself)',
            },
          });
        });
      };
      await remote.start();
      await hostTransport.start();
    },
    async close() {
      await remote.terminateSession().catch(() => undefined); // the app may be gone already
      await remote.close();
      await host?.close();
    },
  };
}
