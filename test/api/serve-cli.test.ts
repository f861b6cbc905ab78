import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { exited, waitForLine } from '../helpers/child-process.js';
import { realEmbedder } from '../helpers/embedder.js';
import { runMemr1 } from '../helpers/memr1-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { postApi } from '../helpers/web-client.js';

const tempDir = useTempDirs();
const BIN = fileURLToPath(new URL('../../bin/memr1.js', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** `memr1 serve` as a user runs it (the compiled build), on any free port. */
function serve(profileDir: string): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--profile', profileDir], { env: { ...process.env, MEMR1_HOME: join(profileDir, 'home') }, stdio: 'pipe' });
  children.push(child);
  return child;
}

describe('memr1 serve (a separate process)', () => {
  it('prints the address with its token, serves the page and the API, and exits 0 on SIGTERM after closing the profile', async () => {
    const profileDir = tempDir();
    const child = serve(profileDir);
    const line = await waitForLine(child, (l) => l.includes('http://'));
    const match = /(http:\/\/127\.0\.0\.1:(\d+)\/)#token=([\w-]+)/.exec(line);
    expect(match, line).not.toBeNull();
    const [, base, port, token] = match!;

    const page = await fetch(base!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect((await page.text()).toLowerCase()).toContain('<html');
    const settings = await postApi({ port: Number(port), token: token! }, 'settings.get', {});
    expect(await settings.json()).toMatchObject({ profile_dir: profileDir });

    // The profile is held while serving: a second server on it is refused.
    const second = await runMemr1(join(profileDir, 'home'), ['serve', '--profile', profileDir]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/PROFILE_LOCKED/);

    child.kill('SIGTERM');
    await exited(child);
    expect(child.exitCode).toBe(0);
    // The store was closed and the lock released: the profile opens again.
    const reopened = await Assistant.open({ profileDir, embedder: await realEmbedder() });
    await reopened.close();
  });
});
