import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { packageRoot } from '../util/package-root.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Memory-R1</title></head>
<body><h1>Memory-R1</h1><p>The user interface is not built yet. Run <code>npm run build</code> in the project folder, then start the app (<code>npm start</code>) or <code>memr1 serve</code> again.</p></body></html>
`;

/** `renderer/dist` in the package, where `npm run build` puts the UI. */
export function defaultStaticDir(): string {
  return join(packageRoot(), 'renderer', 'dist');
}

/** A file of the built UI, with the headers it is sent with (security headers aside). */
export interface StaticFile {
  body: Buffer;
  headers: Record<string, string>;
}

/**
 * The built renderer's answer to a path, for both transports (web mode's
 * HTTP server, the desktop app's `app://` protocol): the file when the path
 * names one inside `root`, else `index.html` (the single-page app routes on
 * the client), else a page saying how to build it. Paths that climb out of
 * `root` get the index too: nothing outside it is ever read.
 */
export async function readStaticFile(root: string, pathname: string): Promise<StaticFile> {
  const file = (await fileInside(root, pathname)) ?? join(root, 'index.html');
  const body = await readFile(file).catch(() => undefined);
  if (!body) return staticFile(Buffer.from(NOT_BUILT_PAGE), CONTENT_TYPES['.html']!);
  return staticFile(body, CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream');
}

/** Web mode: `readStaticFile` as an HTTP response. */
export async function serveStatic(root: string, pathname: string, res: ServerResponse, headOnly: boolean): Promise<void> {
  const { body, headers } = await readStaticFile(root, pathname);
  res.writeHead(200, { ...headers, 'content-length': body.length });
  res.end(headOnly ? undefined : body);
}

async function fileInside(root: string, pathname: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const base = resolve(root);
  const file = resolve(base, `.${sep}${decoded}`);
  if (!file.startsWith(base + sep)) return undefined;
  const info = await stat(file).catch(() => undefined);
  return info?.isFile() ? file : undefined;
}

function staticFile(body: Buffer, contentType: string): StaticFile {
  // Built assets change with every build; `no-cache` revalidates rather than serving a stale UI.
  return { body, headers: { 'content-type': contentType, 'cache-control': 'no-cache' } };
}
