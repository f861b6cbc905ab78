import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { call } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('memory.search (real store, real embedder)', () => {
  it('finds by words and by meaning, and returns nothing for a query that matches no memory', async () => {
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder() });
    try {
      for (const text of ['The user lives in Lisbon.', 'The user has a dog called Rex.', 'User has a black cat named Miso.', 'The user works as a nurse at the city hospital.', 'The user likes green tea in the morning.']) {
        await call(assistant, 'memory.add', { text });
      }
      const texts = async (query: string) => (await call(assistant, 'memory.search', { query })).items.map((hit) => hit.memory.text);
      expect(await texts('xqzv blorf')).toEqual([]);
      expect(await texts('asdfgh')).toEqual([]);
      expect(await texts('the')).toEqual([]);
      expect((await texts('Where do I live?'))[0]).toBe('The user lives in Lisbon.'); // by words: "live" finds "lives"
      expect((await texts('pets')).slice(0, 2).sort()).toEqual(['The user has a dog called Rex.', 'User has a black cat named Miso.']); // by meaning alone
      expect((await texts('drinks'))[0]).toBe('The user likes green tea in the morning.');
    } finally {
      await assistant.close();
    }
  });
});
