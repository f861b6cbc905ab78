import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Dispatch } from '../dispatch.js';
import { tokenMatches } from '../web-guards.js';
import { createMemoryMcpServer } from './memory-mcp-server.js';

/** Sessions kept at once; past it the oldest is closed (a host that never says goodbye must not grow memory without end). */
const MAX_SESSIONS = 64;
/** An MCP request is a small JSON-RPC message: the API's own limit. */
const MAX_BODY_BYTES = 1024 * 1024;

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
}

/**
 * `/mcp` in web mode: MCP over streamable HTTP, one session (and one MCP
 * server, which knows its client's name) per `initialize`. It has its own
 * token, separate from the page's, so a tool given memory is not given the
 * whole API. The web server checks the Host header before this is reached.
 */
export class McpHttpEndpoint {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly dispatch: Dispatch,
    private readonly token: string,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!tokenMatches(req, this.token)) {
      return reply(res, 401, { error: { code: 'UNAUTHORIZED', message: 'missing or wrong MCP token: send "Authorization: Bearer <token>" with the MCP token shown in Memory-R1 (Settings, Tools using your memory) or printed by `memr1 serve`' } });
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = this.sessions.get(sessionId);
      if (!session) return reply(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'no such MCP session (the server restarted, or it was closed): initialize again' } });
      return session.transport.handleRequest(req, res);
    }
    // No session yet: only an `initialize` opens one; the transport refuses anything else, and that attempt is dropped.
    const session: Session = {
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => this.open(id, session),
        onsessionclosed: (id) => void this.sessions.delete(id),
        maxRequestBodySize: MAX_BODY_BYTES,
      }),
      server: createMemoryMcpServer(this.dispatch),
    };
    await session.server.connect(session.transport);
    await session.transport.handleRequest(req, res);
    if (session.transport.sessionId === undefined) await session.server.close();
  }

  /** Ends every session (the web server is closing). */
  async close(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(open.map((session) => session.server.close()));
  }

  private open(id: string, session: Session): void {
    if (this.sessions.size >= MAX_SESSIONS) {
      const [oldestId, oldest] = this.sessions.entries().next().value!;
      this.sessions.delete(oldestId);
      void oldest.server.close();
    }
    this.sessions.set(id, session);
    // The transport's own onclose belongs to the protocol layer; the server's is ours to set.
    session.server.server.onclose = () => void this.sessions.delete(id);
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
