import { readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listTableVersions, restoreDatabase } from '../../models/memory/restore.js';
import { MemoryStore } from '../../models/memory/store.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const TEXTS = ['Caroline is a counsellor.', 'Melanie has two kids.', 'Jon opened a dance studio.', 'Gina lost her job in June.', 'Nate adopted a turtle.'];

/** A database with the five memories above, one add each, closed (so compacted), and the memory table's version after the first add. */
async function seeded(): Promise<{ dir: string; ids: string[]; afterFirstAdd: number }> {
  const dir = tempDir();
  const store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
  const ids: string[] = [];
  let afterFirstAdd = 0;
  for (const text of TEXTS) {
    ids.push((await store.add({ text, subject: 'friends' })).memory_id!);
    afterFirstAdd ||= await store.tables.memories.version();
  }
  await store.close();
  return { dir, ids, afterFirstAdd };
}

/** The memory table's newest data file: the one the current (compacted) version reads. */
function newestDataFile(dir: string): string {
  const data = join(dir, 'memories.lance', 'data');
  return readdirSync(data)
    .map((name) => join(data, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
}

async function texts(dir: string): Promise<string[]> {
  const store = await MemoryStore.open({ uri: dir, readOnly: true });
  try {
    return (await store.list({ limit: 100 })).items.map((m) => m.text).sort();
  } finally {
    await store.close();
  }
}

describe('a damaged table is detected at open and rolled back through its versions', () => {
  it('a truncated data file gives DATABASE_CORRUPT with what to do; restore brings back every journaled memory', async () => {
    const { dir } = await seeded();
    truncateSync(newestDataFile(dir), 100);

    for (const readOnly of [false, true]) {
      await expect(MemoryStore.open({ uri: dir, readOnly, ...(readOnly ? {} : { embedder: await realEmbedder() }) })).rejects.toMatchObject({
        code: 'DATABASE_CORRUPT',
        message: expect.stringMatching(/table memories.*memr1 memory restore --db .* --list/),
      });
    }
    expect(readdirSync(dir)).not.toContain('.memr1.lock'); // a refused open leaves the profile usable

    const listed = (await listTableVersions(dir)).find((t) => t.table === 'memories')!;
    expect(listed.readable).toBe(false);
    expect(listed.recent[0]).toMatchObject({ version: listed.current, readable: false });
    expect(listed.recent.some((v) => v.readable)).toBe(true);

    const report = await restoreDatabase({ uri: dir });
    expect(report.rolledBack).toEqual([expect.objectContaining({ table: 'memories', from: listed.current, to: listed.recent.find((v) => v.readable)!.version })]);
    expect(report.lostJournalEntries).toBe(0);
    expect(await texts(dir)).toEqual([...TEXTS].sort());

    // The restore is on record, and a second one finds nothing to do.
    const again = await restoreDatabase({ uri: dir });
    expect(again.rolledBack).toEqual([]);
    const store = await MemoryStore.open({ uri: dir, readOnly: true });
    expect(store.maintenance.state.restores).toEqual([expect.objectContaining({ tables: [expect.objectContaining({ table: 'memories', from: listed.current })] })]);
    await store.close();
  });

  it('a truncated newest manifest (the table cannot even open) is set aside, not deleted, and restore reaches the version before it', async () => {
    const { dir } = await seeded();
    const versions = join(dir, 'memories.lance', '_versions');
    const before = (await listTableVersions(dir)).find((t) => t.table === 'memories')!;
    // LanceDB names manifests u64::MAX - version: the newest sorts first.
    const newest = readdirSync(versions).filter((f) => f.endsWith('.manifest')).sort()[0]!;
    truncateSync(join(versions, newest), 100);
    await expect(MemoryStore.open({ uri: dir, readOnly: true })).rejects.toMatchObject({ code: 'DATABASE_CORRUPT' });
    expect((await listTableVersions(dir)).find((t) => t.table === 'memories')).toMatchObject({ current: null, readable: false, problem: expect.any(String) });

    const report = await restoreDatabase({ uri: dir });
    expect(report.rolledBack).toEqual([expect.objectContaining({ table: 'memories', from: before.current })]);
    expect(report.rolledBack[0]!.to).toBeLessThan(before.current!);
    expect(await texts(dir)).toEqual([...TEXTS].sort());
    expect(readdirSync(join(dir, '.memr1-quarantine', 'memories'))).toContain(newest);
  });

  it('rolled back to an early version, the memory table gets every later operation back from the journal, journaled as restores', async () => {
    const { dir, ids, afterFirstAdd } = await seeded();
    const report = await restoreDatabase({ uri: dir }, { to: afterFirstAdd });
    expect(report.rolledBack).toEqual([expect.objectContaining({ table: 'memories', to: afterFirstAdd, rowsBefore: 5, rowsAfter: 1 })]);
    expect(report.replayed.map((op) => op.memory_id).sort()).toEqual(ids.slice(1).sort());
    expect(report.replayed.every((op) => op.kind === 'ADD' && op.origin === 'restore')).toBe(true);
    expect(await texts(dir)).toEqual([...TEXTS].sort());

    const store = await MemoryStore.open({ uri: dir, readOnly: true });
    expect((await store.history(ids[4]!)).map((op) => op.origin)).toEqual(['user', 'restore']);
    await store.close();
    // Without replay the rollback stands, as asked.
    const bare = await restoreDatabase({ uri: dir }, { to: afterFirstAdd, replay: false });
    expect(bare.replayed).toEqual([]);
    expect(await texts(dir)).toEqual([TEXTS[0]]);
  });
});
