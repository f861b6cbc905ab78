import { protocol } from 'electron';
import { SECURITY_HEADERS } from '../models/api/security-headers.js';
import { readStaticFile } from '../models/api/static-files.js';
import { APP_HOST, APP_SCHEME } from './app-origin.js';

/**
 * Makes `app:` a standard, secure scheme: relative URLs resolve, the page is
 * a secure context with its own origin, and CSP 'self' matches it. No CORS,
 * fetch or service-worker privileges: the page needs none. Electron allows
 * this only before the app is ready.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

/** Serves the built renderer from `rendererDir` on `app://memr1/` (after the app is ready). */
export function serveRendererOnAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, rendererHandler(rendererDir));
}

/**
 * The `app:` protocol's answers: the built renderer's files, read as web mode
 * reads them (a path that climbs out of the folder gets the index page,
 * nothing outside is read), each with the same security headers (CSP).
 */
export function rendererHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return refuse(404, `nothing is served for ${url.host}`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'pages are read with GET');
    const { body, headers } = await readStaticFile(rendererDir, url.pathname);
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers: { ...SECURITY_HEADERS, ...headers } });
  };
}

function refuse(status: number, message: string): Response {
  return new Response(message, { status, headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
}
