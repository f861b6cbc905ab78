import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatch } from './dispatch.js';
import { listenGuarded } from './guarded-listener.js';
import { refuse, sendJson } from './json-reply.js';
import type { MemoryProxyOptions } from './openai-proxy/memory-proxy.js';
import { bodyLimit, isRouteName } from '../contract/routes.js';
import { readBody } from './read-body.js';
import { defaultStaticDir, serveStatic } from './static-files.js';
import { ToolEndpoints } from './tool-endpoints.js';
import { withToolEndpointsRoute } from './tool-endpoints-route.js';
import { HTTP_STATUS, isJsonContentType, tokenMatches } from './web-guards.js';

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

/**
 * Web mode (DESIGN §8): `POST /api/<route>` with a JSON body answers JSON,
 * or Server-Sent Events for a stream route; `/mcp` and `/v1/…` are the
 * tools' endpoints (`tool-endpoints.ts`, shared with the desktop app);
 * everything else is the built UI. Each request is checked in order (one
 * Host, an allowed one, then method, token, content type, size, JSON), and
 * each payload is validated by the route table.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('base64url');
  const staticDir = options.staticDir ?? defaultStaticDir();
  const mcpToken = options.mcpToken ?? randomBytes(32).toString('base64url');
  const tools = new ToolEndpoints({ dispatch: options.assistant.dispatch, mcpToken, proxy: options.proxy });
  let origin = '';
  const dispatch = withToolEndpointsRoute(options.assistant.dispatch, () => ({ mcpUrl: `${origin}/mcp`, mcpToken, proxyUrl: tools.hasProxy ? `${origin}/v1` : null, notice: null }));

  async function handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const tool = tools.handle(req, res, pathname);
    if (tool) return tool;
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

  const listener = await listenGuarded(host, [options.port ?? 0], handle);
  origin = listener.origin;
  return {
    url: `${origin}/#token=${token}`,
    port: listener.port,
    token,
    mcpUrl: `${origin}/mcp`,
    mcpToken,
    close: async () => {
      await tools.close();
      await listener.close();
    },
  };
}
