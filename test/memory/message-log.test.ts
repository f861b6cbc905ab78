import { describe, expect, it } from 'vitest';
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
});
