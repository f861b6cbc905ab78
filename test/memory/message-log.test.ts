import { describe, expect, it } from 'vitest';
import { Appender } from '../../models/memory/appender.js';
import { MessageLog } from '../../models/memory/message-log.js';
import { MemoryStore } from '../../models/memory/store.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('MessageLog on a real store', () => {
  it('reads sessions back in order, names the latest one, and stays whole across its periodic compaction', async () => {
    const store = await MemoryStore.open({ uri: tempDir(), embedder: await realEmbedder() });
    const log = new MessageLog(store.tables.messages);
    expect(await log.latestSessionId()).toBeUndefined();
    const written = [];
    for (let i = 0; i < 130; i++) {
      const session = i % 3 === 0 ? 'b' : 'a';
      written.push(await log.append({ session_id: session, turn_id: `t${i >> 1}`, role: i % 2 ? 'assistant' : 'user', text: `message ${i}` }));
    }
    const versions = await store.tables.messages.listVersions();
    expect(versions.length).toBeGreaterThan(130); // one commit per message, and the compaction's own
    expect((await store.tables.messages.stats()).fragmentStats.numFragments).toBeLessThan(40); // folded together at the 100th
    expect((await log.session('a')).map((m) => m.text)).toEqual(written.filter((m) => m.session_id === 'a').map((m) => m.text));
    expect(await log.session('b')).toEqual(written.filter((m) => m.session_id === 'b'));
    expect(await log.latestSessionId()).toBe(written.at(-1)!.session_id);
    await store.close();
  });

  it('writes appends that arrive together in one commit, each resolved once committed, all kept once and in order', async () => {
    const store = await MemoryStore.open({ uri: tempDir(), embedder: await realEmbedder() });
    const log = new MessageLog(store.tables.messages);
    const before = (await store.tables.messages.listVersions()).length;
    const written = await Promise.all(Array.from({ length: 30 }, (_, i) => log.append({ session_id: 's', turn_id: `t${i}`, role: 'user', text: `together ${i}` })));
    expect((await store.tables.messages.listVersions()).length - before).toBeLessThanOrEqual(3);
    expect((await log.session('s')).map((m) => m.text).sort()).toEqual(written.map((m) => m.text).sort());
    expect(await store.tables.messages.countRows()).toBe(30);
    await store.close();
  });

  it('fails only the append whose rows do not fit when its group commit fails; the others in the group are committed', async () => {
    const store = await MemoryStore.open({ uri: tempDir(), embedder: await realEmbedder() });
    const appender = new Appender(store.tables.messages);
    const row = (i: number) => ({ id: `m${i}`, session_id: 's', turn_id: `t${i}`, role: 'user', text: `row ${i}`, at: new Date().toISOString() });
    const results = await Promise.allSettled([
      appender.append([row(0)]),
      appender.append([row(1)]),
      appender.append([{ ...row(2), at: { not: 'a string' } }]),
      appender.append([row(3)]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const ids = (await store.tables.messages.query().select(['id']).toArray()).map((r) => String(r.id)).sort();
    expect(ids).toEqual(['m0', 'm1', 'm3']);
    await store.close();
  });
});
