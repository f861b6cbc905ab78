import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toApiError } from '../contract/api-error.js';
import { refuse, sendJson } from './json-reply.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { HTTP_STATUS, hostAllowed, hostRepeated } from './web-guards.js';

/** What answers a request that passed the Host checks; a throw becomes a JSON error (or a cut connection once the headers went). */
export type GuardedHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<void>;

export interface GuardedListener {
  port: number;
  /** `http://<host>:<port>`, the host bracketed when it is IPv6. */
  origin: string;
  /** Stops listening and cuts the connections still open. */
  close(): Promise<void>;
}

/**
 * The HTTP server that web mode and the desktop app's tool endpoints share:
 * security headers on every answer, then the DNS-rebinding guards (exactly
 * one Host header, naming this server) before `handle` sees the request.
 * `ports` are tried in order; one taken by another program (EADDRINUSE)
 * moves on to the next (0: any free port).
 */
export async function listenGuarded(host: string, ports: readonly number[], handle: GuardedHandler): Promise<GuardedListener> {
  let port = 0;
  const server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    guarded(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      const body = toApiError(error);
      sendJson(res, { status: HTTP_STATUS[body.code], body: { error: body } });
    });
  });

  async function guarded(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (hostRepeated(req)) return sendJson(res, refuse('BAD_INPUT', 'the request has more than one Host header'));
    if (!hostAllowed(req, host, port)) return sendJson(res, refuse('BAD_HOST', `this server answers to 127.0.0.1:${port} and localhost:${port} only`));
    return handle(req, res, new URL(req.url ?? '/', 'http://localhost').pathname);
  }

  await listenOnFirstFree(server, host, ports);
  port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function listenOnFirstFree(server: Server, host: string, ports: readonly number[]): Promise<void> {
  for (const [index, port] of ports.entries()) {
    try {
      return await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      const last = index === ports.length - 1;
      if (last || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
  throw new Error('listenGuarded needs at least one port');
}
