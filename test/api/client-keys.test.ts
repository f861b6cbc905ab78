import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClientKeys } from '../../models/api/client-keys.js';
import { runMemr1 } from '../helpers/memr1-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe("clients' keys for the memory proxy", () => {
  it('stores only a hash, readable by its owner alone, and finds the client by its key', async () => {
    const path = join(tempDir(), 'clients.json');
    const keys = new ClientKeys(path);
    const webui = await keys.add('Open WebUI');
    const script = await keys.add('nightly-script');
    expect(webui).not.toBe(script);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const stored = readFileSync(path, 'utf8');
    expect(stored).not.toContain(webui);
    expect(await keys.clientOf(webui)).toBe('Open WebUI');
    expect(await keys.clientOf(script)).toBe('nightly-script');
    expect(await keys.clientOf(`${webui}x`)).toBeUndefined();
    expect((await keys.list()).map((c) => c.name)).toEqual(['Open WebUI', 'nightly-script']);

    await expect(keys.add('Open WebUI')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(keys.add('a/b')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await keys.remove('Open WebUI');
    expect(await keys.clientOf(webui)).toBeUndefined();
    await expect(keys.remove('Open WebUI')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('memr1 clients add / list / remove, with coded refusals', async () => {
    const home = tempDir();
    const added = await runMemr1(home, ['clients', 'add', 'continue']);
    expect(added.code).toBe(0);
    const key = added.stdout.trim();
    expect(key).toMatch(/^memr1-\S{32}$/);
    expect(await new ClientKeys(join(home, 'profiles', 'default', 'clients.json')).clientOf(key)).toBe('continue');
    expect((await runMemr1(home, ['clients', 'list'])).stdout).toMatch(/^continue\t\d{4}-/);
    expect(await runMemr1(home, ['clients', 'add', 'continue'])).toMatchObject({ code: 2, stderr: expect.stringContaining('[CONFLICT]') });
    expect(await runMemr1(home, ['clients', 'remove', 'nobody'])).toMatchObject({ code: 2, stderr: expect.stringContaining('[NOT_FOUND]') });
    expect((await runMemr1(home, ['clients', 'remove', 'continue'])).code).toBe(0);
    expect((await runMemr1(home, ['clients', 'list'])).stdout).toBe('');
  });
});
