import { randomUUID } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** In the profile folder, beside the memory database whose lock `serve` holds. */
const FILE = 'serve.json';

/**
 * How another process on this machine reaches the one serving a profile.
 * `serve` (web mode): `url` is the API's origin, e.g. `http://127.0.0.1:4567`
 * (routes at `/api/<route>`), and `token` the page's access token. `desktop`:
 * the app has no `/api` (its page talks over IPC), so `url` is its `/mcp` and
 * `token` the MCP token, which opens the memory tools only.
 */
const ServeDiscovery = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  app: z.enum(['serve', 'desktop']).default('serve'),
  url: z.string().url(),
  token: z.string().min(1),
  since: z.string(),
});
export type ServeDiscovery = z.infer<typeof ServeDiscovery>;

/**
 * A profile has one writer, and `memr1 mcp` must find it when it is a
 * `memr1 serve` or the desktop app: it announces its address and token in
 * the profile (mode 0600, like the API key: serve's token opens the whole
 * API), written atomically. The returned function removes the file if it is
 * still ours.
 */
export function announceServe(profileDir: string, url: string, token: string, app: ServeDiscovery['app'] = 'serve'): () => void {
  const path = join(profileDir, FILE);
  const record: ServeDiscovery = { pid: process.pid, host: hostname(), app, url, token, since: new Date().toISOString() };
  const temp = `${path}.tmp-${randomUUID()}`;
  writeFileSync(temp, JSON.stringify(record), { mode: 0o600, flag: 'wx' });
  chmodSync(temp, 0o600); // a umask cannot widen it, but a filesystem that ignores `mode` on create is set here
  renameSync(temp, path);
  return () => {
    if (readRecord(path)?.token === token) rmSync(path, { force: true });
  };
}

/**
 * The `memr1 serve` or desktop app serving this profile now, if one is: a file left by a
 * process that died (killed, a crash) or written on another machine (a
 * shared folder: its 127.0.0.1 is not ours) is ignored.
 */
export function findServe(profileDir: string): ServeDiscovery | undefined {
  const record = readRecord(join(profileDir, FILE));
  if (!record || record.host !== hostname() || !processAlive(record.pid)) return undefined;
  return record;
}

function readRecord(path: string): ServeDiscovery | undefined {
  try {
    const parsed = ServeDiscovery.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // absent, unreadable or half-written: no server to find
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
