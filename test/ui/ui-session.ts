import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AssistantOptions } from '../../models/api/assistant.js';
import { ProfileHost } from '../../models/api/profile-host.js';
import { startWebServer, type WebServer } from '../../models/api/http-server.js';
import { realEmbedder } from '../helpers/embedder.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCREENSHOT_DIR = join(ROOT, 'test-artifacts', 'screenshots');

/** Debian's Chromium, with DESIGN §10's flags: no sandbox (containers), no GPU, nothing that reaches the network. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface UiSession {
  /** What web mode serves: the profile's Assistant behind its host (which answers a damaged profile too). */
  assistant: ProfileHost;
  web: WebServer;
  page: Page;
  /** Console errors and uncaught exceptions in the page (CSP violations included); a test expects none. */
  pageErrors: string[];
  /** Saves the page as `test-artifacts/screenshots/<name>.png`. */
  screenshot: (name: string) => Promise<void>;
  close: () => Promise<void>;
}

/**
 * The real thing, end to end: the renderer built for production (into a
 * temporary folder, so the test sees the current sources), served in web mode
 * by `startWebServer` in front of a real `ProfileHost` on a temporary profile
 * (real LanceDB, the real embedder), driven by a headless Chromium.
 */
export async function startUiSession(options: Omit<AssistantOptions, 'profileDir' | 'embedder'> & { seed?: (profileDir: string) => Promise<void> } = {}): Promise<UiSession> {
  const dir = mkdtempSync(join(tmpdir(), 'memr1-ui-'));
  const cleanups: Array<() => Promise<unknown>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const staticDir = join(dir, 'renderer');
    await buildRenderer(staticDir);
    const { seed, ...assistantOptions } = options;
    await seed?.(join(dir, 'profile')); // data a profile already holds, written before the app opens it
    const assistant = await ProfileHost.open({ profileDir: join(dir, 'profile'), embedder: await realEmbedder(), ...assistantOptions });
    cleanups.push(() => assistant.close());
    const web = await startWebServer({ assistant, staticDir, proxy: assistant.proxyOptions() }); // as `memr1 serve`
    cleanups.push(() => web.close());
    if (!existsSync(CHROMIUM)) throw new Error(`the browser tests drive Debian's Chromium at ${CHROMIUM}, which is missing: install it with \`apt-get install -y chromium\` (as .ci/run does)`);
    const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    cleanups.push(() => browser.close());

    const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, colorScheme: 'light', acceptDownloads: true });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => pageErrors.push(`page: ${error.message}`));
    await page.goto(web.url);

    const screenshot = async (name: string) => {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
    };
    return { assistant, web, page, pageErrors, screenshot, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** `npm run build:renderer` into `outDir`, in production mode (vitest's NODE_ENV=test would build Svelte's dev mode). */
async function buildRenderer(outDir: string): Promise<void> {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const args = [vite, 'build', '--config', join(ROOT, 'renderer', 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'];
  await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' } });
}
