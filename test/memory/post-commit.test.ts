import { existsSync, readdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { storeHealth } from '../../models/memory/health.js';
import { MessageLog } from '../../models/memory/message-log.js';
import { MemoryStore } from '../../models/memory/store.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('acknowledged means applied: post-commit work never fails a committed operation', () => {
  it('a compaction that throws leaves the adds acknowledged and whole, is reported and retried, and close still releases the lock', async () => {
    const dir = tempDir();
    const store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
    // The fault: LanceDB's compaction of the memory table fails (as with a damaged older manifest or a full disk).
    const optimize = vi.spyOn(store.tables.memories, 'optimize').mockRejectedValue(new Error('compaction failed: no space left on device'));

    const first = await store.add({ text: 'Caroline is a counsellor.', subject: 'caroline' });
    expect(first.status).toBe('applied');
    expect(optimize).toHaveBeenCalledTimes(1); // the first add makes the text index stale, so it was due
    expect(store.maintenance.state.warnings).toEqual([expect.objectContaining({ task: 'compaction', failures: 1, message: expect.stringContaining('no space left') })]);

    // The next adds are not slowed by a retry each; each is saved once.
    await store.add({ text: 'Melanie has two kids.', subject: 'melanie' });
    expect(optimize).toHaveBeenCalledTimes(1);
    expect(await store.count()).toBe(2);
    expect((await store.recentOperations(10)).map((op) => op.status)).toEqual(['applied', 'applied']);

    await expect(store.close()).resolves.toBeUndefined(); // retried at close, failed again: still a warning
    expect(optimize).toHaveBeenCalledTimes(2);
    expect(existsSync(join(dir, '.memr1.lock'))).toBe(false);

    // Another process (doctor, the app) sees the warning; the next writable open retries and clears it.
    const reader = await MemoryStore.open({ uri: dir, readOnly: true });
    expect(reader.maintenance.state.warnings).toEqual([expect.objectContaining({ task: 'compaction', failures: 2 })]);
    await reader.close();
    const again = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
    expect(again.maintenance.state).toMatchObject({ warnings: [], last_compaction: expect.any(String) });
    expect(await again.count()).toBe(2);
    await again.close();
  });

  it('a damaged older manifest (the issue\'s reproduction): the add is applied once, compaction fails as a warning, doctor still reports', async () => {
    const dir = tempDir();
    let store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
    for (const text of ['Caroline is a counsellor.', 'Melanie has two kids.', 'Jon opened a dance studio.']) await store.add({ text, subject: 'friends' });
    await store.close();
    const versions = join(dir, 'memories.lance', '_versions');
    truncateSync(join(versions, readdirSync(versions).filter((f) => f.endsWith('.manifest')).sort()[2]!), 100);

    store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
    await expect(store.add({ text: 'Gina lost her job in June.', subject: 'friends' })).resolves.toMatchObject({ status: 'applied' });
    await store.close();
    expect(existsSync(join(dir, '.memr1.lock'))).toBe(false);
    const health = await storeHealth(dir);
    expect(health.warnings).toEqual([expect.objectContaining({ task: 'compaction', message: expect.stringContaining('corrupt file') })]);
    expect(health.warnings[0]!.message).not.toMatch(/\.rs:\d+/);
    expect(health.tables.find((t) => t.table === 'memories')).toMatchObject({ readable: true, problem: expect.stringContaining('.manifest') });
    const reader = await MemoryStore.open({ uri: dir, readOnly: true });
    expect(await reader.count()).toBe(4);
    await reader.close();
  });

  it("a log table's failed compaction is a warning in the store's record, not an error of the append", async () => {
    const dir = tempDir();
    const store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
    const messages = new MessageLog(store.tables.messages, store.maintenance);
    vi.spyOn(store.tables.messages, 'optimize').mockRejectedValue(new Error('compaction failed'));
    for (let i = 0; i < 100; i++) await messages.append({ session_id: 's', turn_id: `t${i}`, role: 'user', text: `message ${i}` });
    expect(await store.tables.messages.countRows()).toBe(100);
    expect(store.maintenance.state.warnings).toEqual([expect.objectContaining({ task: 'messages compaction', failures: 1 })]);
    await store.close();
  });
});
