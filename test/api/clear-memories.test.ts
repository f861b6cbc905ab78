import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { call } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('Clear all memories (real store, real embedder)', () => {
  it('deletes every memory through the journal, and one undo brings them all back exactly, across a restart', async () => {
    const profileDir = tempDir();
    let assistant = await Assistant.open({ profileDir, embedder: await realEmbedder() });
    try {
      for (const text of ['The user lives in Lisbon.', 'The user has a dog called Rex.', 'The user drinks green tea.']) await call(assistant, 'memory.add', { text });
      const edited = (await call(assistant, 'memory.list', {})).items[0]!;
      await call(assistant, 'memory.edit', { id: edited.id, text: 'The user drinks green tea, no sugar.' });
      const before = (await call(assistant, 'memory.list', {})).items;

      const { clear_id, cleared } = await call(assistant, 'memory.clear', {});
      expect(cleared).toBe(3);
      expect((await call(assistant, 'memory.list', {})).total).toBe(0);
      expect((await call(assistant, 'memory.history', { id: edited.id })).items.at(-1)).toMatchObject({ kind: 'DELETE', origin: 'user', turn_id: clear_id });

      await assistant.close(); // the undo works from the journal alone
      assistant = await Assistant.open({ profileDir, embedder: await realEmbedder() });
      expect(await call(assistant, 'memory.undo_clear', { clear_id })).toEqual({ restored: 3 });
      const after = (await call(assistant, 'memory.list', {})).items;
      const byId = (items: typeof before) => Object.fromEntries(items.map((m) => [m.id, m]));
      expect(byId(after)).toEqual(byId(before)); // text, versions, times and sources as they were
      expect(await call(assistant, 'memory.search', { query: 'tea', k: 1 })).toMatchObject({ items: [{ memory: { id: edited.id } }] }); // vectors too
      expect(await assistant.dispatch('memory.undo_clear', { clear_id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    } finally {
      await assistant.close();
    }
  });
});
