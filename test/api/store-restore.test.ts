import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startWebServer } from '../../models/api/http-server.js';
import { ProfileHost } from '../../models/api/profile-host.js';
import type { RouteOutput, UnaryRouteName } from '../../models/contract/routes.js';
import { call, scriptedAssistantModel } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { postApi, type WebTarget } from '../helpers/web-client.js';

const tempDir = useTempDirs();
const TEXTS = ['Caroline is a counsellor.', 'Melanie has two kids.', 'Jon opened a dance studio.', 'Gina lost her job in June.'];

const openHost = async (profileDir: string) => ProfileHost.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });

/** A profile with TEXTS, one journaled add each, closed (so compacted into one data file). */
async function seededProfile(): Promise<string> {
  const profileDir = tempDir();
  const host = await openHost(profileDir);
  for (const text of TEXTS) await call(host, 'memory.add', { text });
  await host.close();
  return profileDir;
}

/** Truncates the memory table's newest data file: the one its current (compacted) version reads. */
function damageMemories(profileDir: string): void {
  const data = join(profileDir, 'memory', 'memories.lance', 'data');
  const newest = readdirSync(data)
    .map((name) => join(data, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  truncateSync(newest, 100);
}

/** A route's answer over HTTP, which must be a 200. */
async function post<R extends UnaryRouteName>(web: WebTarget, route: R, input: unknown): Promise<RouteOutput<R>> {
  const response = await postApi(web, route, input);
  expect(response.status).toBe(200);
  return (await response.json()) as RouteOutput<R>;
}

const listedTexts = async (host: ProfileHost) => (await call(host, 'memory.list', { limit: 100 })).items.map((m) => m.text).sort();

describe('store routes: health, restore points and restore through the running app', () => {
  it('a damaged profile still serves: memory routes answer DATABASE_CORRUPT, store.restore repairs it and every journaled memory is back', async () => {
    const profileDir = await seededProfile();
    damageMemories(profileDir);

    const host = await openHost(profileDir);
    const web = await startWebServer({ assistant: host, staticDir: join(profileDir, 'no-ui') });
    try {
      expect(host.damaged).toMatch(/table memories/);
      const list = await postApi(web, 'memory.list', {});
      expect(list.status).toBe(503);
      expect(await list.json()).toEqual({ error: { code: 'DATABASE_CORRUPT', message: expect.stringMatching(/cannot be read \(table memories.*Settings → Storage health → Restore/) } });
      // The Settings screen's own calls answer.
      await post(web, 'settings.get', {});
      const health = await post(web, 'store.health', {});
      expect(health).toMatchObject({ status: 'damaged', disk_bytes: expect.any(Number) });
      expect(health.tables.find((t) => t.table === 'memories')).toMatchObject({ readable: false });
      const versions = (await post(web, 'store.versions', {})).items.find((t) => t.table === 'memories')!;
      expect(versions).toMatchObject({ readable: false, recent: expect.arrayContaining([expect.objectContaining({ readable: true })]) });

      const report = await post(web, 'store.restore', {});
      expect(report).toMatchObject({ rolled_back: [{ table: 'memories', from: versions.current }], lost_journal_entries: 0 });
      expect(report.rolled_back[0]!.to).toBeLessThan(versions.current!);

      expect(host.damaged).toBeUndefined();
      const page = await post(web, 'memory.list', { limit: 100 });
      expect(page.items.map((m) => m.text).sort()).toEqual([...TEXTS].sort());
      expect(await post(web, 'store.health', {})).toMatchObject({ status: 'ok', last_restore: { replayed: report.replayed.length, lost_journal_entries: 0 } });
      // The store is writable again.
      await post(web, 'memory.add', { text: 'Nate adopted a turtle.' });
    } finally {
      await web.close();
      await host.close();
    }
  });

  it('a restore waits for the calls in progress, refuses those that arrive meanwhile, and a rollback to an old version loses nothing the journal holds', async () => {
    const profileDir = tempDir();
    const host = await openHost(profileDir);
    try {
      await call(host, 'memory.add', { text: TEXTS[0]! });
      const firstVersion = (await call(host, 'store.versions', {})).items.find((t) => t.table === 'memories')!.current!;
      for (const text of TEXTS.slice(1, 3)) await call(host, 'memory.add', { text });

      const adding = host.dispatch('memory.add', { text: TEXTS[3]! }); // in progress when the restore starts
      const restoring = host.dispatch('store.restore', { to: firstVersion });
      expect(await host.dispatch('memory.list', {})).toEqual({ ok: false, error: { code: 'CONFLICT', message: expect.stringMatching(/being restored/) } });
      expect(await host.dispatch('store.restore', {})).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

      expect(await adding).toMatchObject({ ok: true });
      const result = await restoring;
      if (!result.ok) throw new Error(`store.restore refused: ${result.error.message}`);
      expect(result.output).toMatchObject({ rolled_back: [{ table: 'memories', to: firstVersion }], lost_journal_entries: 0 });
      // The three adds after the chosen version, the one in progress included, came back from the journal.
      expect((result.output as { replayed: Array<{ kind: string; text: string }> }).replayed.map((op) => `${op.kind} ${op.text}`).sort()).toEqual(TEXTS.slice(1).map((t) => `ADD ${t}`).sort());
      expect(await listedTexts(host)).toEqual([...TEXTS].sort());

      // A version that does not exist is refused, and the profile is open again afterwards.
      expect(await host.dispatch('store.restore', { to: 999_999 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringMatching(/no version 999999/) } });
      expect(await listedTexts(host)).toEqual([...TEXTS].sort());
    } finally {
      await host.close();
    }
  });
});
