import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultStaticDir } from '../../models/api/static-files.js';
import { registerAppScheme, rendererHandler, serveRendererOnAppScheme } from '../../electron/app-protocol.js';
import { resetElectron } from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js').then((fake) => fake.electronModule));

// The real build (`npm run build`), as the desktop app serves it.
const rendererDir = defaultStaticDir();
let serve: (request: Request) => Promise<Response>;
let scriptPath: string;

beforeAll(() => {
  if (!existsSync(join(rendererDir, 'index.html'))) throw new Error(`no built renderer in ${rendererDir}: run \`npm run build\` first`);
  scriptPath = `/assets/${readdirSync(join(rendererDir, 'assets')).find((name) => name.endsWith('.js'))}`;
  serve = rendererHandler(rendererDir);
});

const get = (url: string, method = 'GET') => serve(new Request(url, { method }));
const indexHtml = () => readFileSync(join(rendererDir, 'index.html'), 'utf8');

/** The CSP's directives as {name: sources}. */
function directives(csp: string | null): Record<string, string[]> {
  return Object.fromEntries((csp ?? '').split(';').map((part) => part.trim().split(/\s+/)).map(([name = '', ...sources]) => [name, sources]));
}

describe('the app:// protocol', () => {
  it('is registered as a standard, secure scheme with no extra privilege, and handled by the renderer handler', async () => {
    const electron = resetElectron();
    registerAppScheme();
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
    serveRendererOnAppScheme(rendererDir);
    const handler = electron.protocol.handlers.get('app')!;
    expect(await (await handler(new Request('app://memr1/index.html'))).text()).toBe(indexHtml());
  });

  it('serves the built UI with its content types and a strict Content-Security-Policy on every response', async () => {
    const page = await get('app://memr1/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe(indexHtml());
    const script = await get(`app://memr1${scriptPath}`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe(readFileSync(join(rendererDir, scriptPath), 'utf8'));

    for (const response of [page, script, await get('app://memr1/'), await get('app://elsewhere/index.html'), await get('app://memr1/index.html', 'POST')]) {
      const csp = directives(response.headers.get('content-security-policy'));
      expect(csp['default-src']).toEqual(["'self'"]);
      expect(csp['script-src']).toEqual(["'self'"]);
      expect(csp['frame-ancestors']).toEqual(["'none'"]);
      // Nothing but the app itself: no eval, no remote origin, no scheme wildcard.
      for (const sources of Object.values(csp)) for (const source of sources) expect(["'self'", "'none'", "'unsafe-inline'", 'data:']).toContain(source);
      expect(csp['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('never reads a file outside the built UI: climbing paths get the index page', async () => {
    const outside = readFileSync(join(rendererDir, '..', '..', 'package.json'), 'utf8');
    for (const path of ['/../../package.json', '/assets/../../../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/%2E%2E%5C%2E%2E%5Cpackage.json', '/assets%2f..%2f..%2f..%2fpackage.json', '/%00', '/%E0%A4%A']) {
      const response = await get(`app://memr1${path}`);
      const body = await response.text();
      expect(body, path).toBe(indexHtml());
      expect(body, path).not.toBe(outside);
    }
  });

  it('answers only its own host, and only reads', async () => {
    const foreign = await get('app://elsewhere/index.html');
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).not.toContain('<html');
    expect((await get('app://memr1/index.html', 'POST')).status).toBe(405);
    const head = await get('app://memr1/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
