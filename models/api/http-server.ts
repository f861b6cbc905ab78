import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toApiError } from '../contract/api-error.js';
import type { Dispatch } from './dispatch.js';
import { McpHttpEndpoint } from './mcp/http-endpoint.js';
import { MemoryProxy, type MemoryProxyOptions } from './openai-proxy/memory-proxy.js';
import { bodyLimit, isRouteName } from '../contract/routes.js';
import type { ApiErrorBody } from '../contract/schemas.js';
import { readBody } from './read-body.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { defaultStaticDir, serveStatic } from './static-files.js';
import { HTTP_STATUS, hostAllowed, hostRepeated, isJsonContentType, tokenMatches } from './web-guards.js';

export interface WebServerOptions {
  /** What answers the routes: an `Assistant`, or anything with its `dispatch`. */
  assistant: { dispatch: Dispatch };
  /** 0 (default): any free port. */
  port?: number;
  /** Default 127.0.0.1: the API is for this machine only. */
  host?: string;
  /** The built renderer (default `renderer/dist` in the package). */
  staticDir?: string;
  /** The access token (default: a new random one per run). */
  token?: string;
  /** The token for MCP clients at `/mcp` (default: a new random one per run). */
  mcpToken?: string;
  /** The OpenAI-compatible memory proxy at `/v1/…`: the chat model that answers, and the clients' keys (none: no proxy). */
  proxy?: Omit<MemoryProxyOptions, 'dispatch'>;
}

export interface WebServer {
  /** The page's address with the token in its fragment (never sent to the server, kept out of logs and Referers). */
  url: string;
  port: number;
  token: string;
  /** MCP over streamable HTTP: `<address>/mcp`, with its own token (`Authorization: Bearer <mcpToken>`). */
  mcpUrl: string;
  mcpToken: string;
  /** Stops listening and ends open streams (their replies are aborted). */
  close(): Promise<void>;
}

type Reply = { status: number; body: unknown };

const refuse = (code: ApiErrorBody['code'], message: string): Reply => ({ status: HTTP_STATUS[code], body: { error: { code, message } } });

/**
 * Web mode (DESIGN §8): `POST /api/<route>` with a JSON body answers JSON,
 * or Server-Sent Events for a stream route; `/mcp` is MCP over streamable
 * HTTP (its own token, `mcp/http-endpoint.ts`); `/v1/…` is the
 * OpenAI-compatible memory proxy (a key per client,
 * `openai-proxy/memory-proxy.ts`); everything else is the built UI.
 * Each request is checked in order (one Host, an allowed one, then method, token, content type,
 * size, JSON), and each payload is validated by the route table.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('base64url');
  const staticDir = options.staticDir ?? defaultStaticDir();
  const { dispatch } = options.assistant;
  const mcpToken = options.mcpToken ?? randomBytes(32).toString('base64url');
  const mcp = new McpHttpEndpoint(dispatch, mcpToken);
  const proxy = options.proxy && new MemoryProxy({ ...options.proxy, dispatch });
  let port = 0;

  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      const body = toApiError(error);
      sendJson(res, { status: HTTP_STATUS[body.code], body: { error: body } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (hostRepeated(req)) return sendJson(res, refuse('BAD_INPUT', 'the request has more than one Host header'));
    if (!hostAllowed(req, host, port)) return sendJson(res, refuse('BAD_HOST', `this server answers to 127.0.0.1:${port} and localhost:${port} only`));
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === '/mcp') return mcp.handle(req, res);
    if (proxy && pathname.startsWith('/v1/')) return proxy.handle(req, res, pathname);
    if (pathname !== '/api' && !pathname.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, refuse('METHOD_NOT_ALLOWED', 'pages are read with GET'), { allow: 'GET, HEAD' });
      return serveStatic(staticDir, pathname, res, req.method === 'HEAD');
    }
    const route = pathname.slice('/api/'.length);
    if (req.method !== 'POST') return sendJson(res, refuse('METHOD_NOT_ALLOWED', 'API routes take POST with a JSON body'), { allow: 'POST' });
    if (!tokenMatches(req, token)) return sendJson(res, refuse('UNAUTHORIZED', 'missing or wrong access token: open the address `memr1 serve` printed'));
    if (!isRouteName(route)) return sendJson(res, refuse('NOT_FOUND', `no route "${route.slice(0, 100)}"`));
    if (!isJsonContentType(req)) return sendJson(res, refuse('UNSUPPORTED_MEDIA_TYPE', 'send the input as JSON (Content-Type: application/json)'));

    const body = await readBody(req, bodyLimit(route));
    let input: unknown;
    try {
      input = body === '' ? {} : JSON.parse(body);
    } catch (error) {
      return sendJson(res, refuse('BAD_INPUT', `the body is not JSON: ${(error as Error).message}`));
    }

    // A client that goes away stops its stream (the chat reply stops generating).
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) gone.abort();
    });
    const emit = (event: unknown) => {
      if (res.destroyed) return;
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
      res.write(`data: ${JSON.stringify(event)}\n\n`);
    };
    const result = await dispatch(route, input, emit, gone.signal);
    if (!result.ok) return sendJson(res, { status: HTTP_STATUS[result.error.code], body: { error: result.error } });
    if (res.headersSent) return void res.end();
    sendJson(res, { status: 200, body: result.output });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/#token=${token}`,
    port,
    token,
    mcpUrl: `http://${urlHost}:${port}/mcp`,
    mcpToken,
    close: async () => {
      await mcp.close();
      await proxy?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function sendJson(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
