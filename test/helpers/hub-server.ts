import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, type TestServer } from './http-server.js';

export interface HubServerOptions {
  /** model id -> local folder served as that repository. */
  repos: Record<string, string>;
  /** Cut the connection after this many bytes of the first request for each file named here. */
  cutFirstRequestAt?: Record<string, number>;
  /** Send files in 64 KB chunks this many milliseconds apart: a slow connection, so progress can be watched. */
  chunkDelayMs?: number;
}

const SLOW_CHUNK_BYTES = 64 * 1024;

/**
 * A real HTTP server on 127.0.0.1 that serves folders in the Hugging Face Hub's
 * URL layout (`/api/models/<id>/revision/<rev>`, `/<id>/resolve/<rev>/<file>`),
 * with HTTP Range support, so the download path is tested without the internet.
 */
export async function startHubServer(options: HubServerOptions): Promise<TestServer> {
  const cuts = new Map(Object.entries(options.cutFirstRequestAt ?? {}));
  return startServer((req, _body, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (api) {
      const folder = options.repos[api[1]!];
      if (!folder) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Repository not found"}');
      const siblings = listFiles(folder).map((file) => ({ rfilename: file, size: statSync(join(folder, file)).size }));
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: api[1], siblings }));
    }
    const file = /^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const folder = file && options.repos[file[1]!];
    if (!file || !folder) return void res.writeHead(404).end('not found');
    const data = readFileSync(join(folder, file[3]!));
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = data.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': body.length,
      ...(range ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
    });
    const cut = cuts.get(file[3]!);
    if (cut !== undefined) {
      cuts.delete(file[3]!);
      // The connection ends mid-file. A graceful end (FIN) rather than a reset, so the bytes already
      // sent reach the client even on a loaded machine, and the download has something to resume.
      res.write(body.subarray(0, cut), () => res.socket?.end());
      return;
    }
    if (options.chunkDelayMs) void sendSlowly(res, body, options.chunkDelayMs);
    else res.end(body);
  });
}

async function sendSlowly(res: ServerResponse, body: Buffer, delayMs: number): Promise<void> {
  for (let at = 0; at < body.length && !res.destroyed; at += SLOW_CHUNK_BYTES) {
    await new Promise((resolve) => res.write(body.subarray(at, at + SLOW_CHUNK_BYTES), resolve));
    await sleep(delayMs);
  }
  res.end();
}

function listFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.push(relative(folder, full));
    }
  };
  walk(folder);
  return out.sort();
}
