import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Embedder } from '../../models/embed/embedder.js';
import { MemoryStore } from '../../models/memory/store.js';
import { exited, spawnScript, waitForLine } from '../helpers/child-process.js';
import { realEmbedder } from '../helpers/embedder.js';
import { folderDigest } from '../helpers/folder-digest.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

/** A store with two memories and the digest of its folder, closed. */
async function seededFolder(): Promise<{ dir: string; id: string; opId: string }> {
  const dir = tempDir();
  const store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
  const op = await store.add({ text: 'Caroline is a counsellor.', subject: 'caroline' });
  await store.add({ text: 'Melanie has two kids.', subject: 'melanie' });
  await store.close();
  return { dir, id: op.memory_id!, opId: op.op_id };
}

/** Runs `call` against an open store and checks it is refused with `code` and leaves the files as they were. */
async function expectRefusedUnchanged(dir: string, code: string, call: (store: MemoryStore) => Promise<unknown>): Promise<void> {
  const store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
  await store.close(); // opening may compact; take the digest of the settled folder
  const digest = folderDigest(dir);
  const again = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
  await expect(call(again)).rejects.toMatchObject({ name: 'MemoryError', code });
  expect(await again.count()).toBe(2);
  await again.close();
  expect(folderDigest(dir)).toBe(digest);
}

function fakeEmbedder(id: string, dimension: number): Embedder {
  return { id, dimension, embed: async (texts) => texts.map(() => new Float32Array(dimension).fill(0.1)), dispose: async () => undefined };
}

describe('bad input gets a clear error and changes nothing', () => {
  it('empty text', async () => {
    const { dir } = await seededFolder();
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.add({ text: '   ', subject: 'x' }));
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.add({ text: 'ok', subject: '' }));
  });

  it('100 KB text', async () => {
    const { dir, id } = await seededFolder();
    const huge = 'a'.repeat(100 * 1024);
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.add({ text: huge, subject: 'x' }));
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.edit(id, { text: huge }));
    const store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
    await expect(store.add({ text: huge, subject: 'x' })).rejects.toThrow(/102,400 characters; the limit is 4,000/);
    await store.close();
  });

  it('lone surrogates and control characters', async () => {
    const { dir } = await seededFolder();
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.add({ text: 'broken \uD800 text', subject: 'x' }));
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.add({ text: 'trailing high \uDBFF', subject: 'x' }));
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.add({ text: 'nul \u0000 byte', subject: 'x' }));
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.search('lone \uDC00 low'));
  });

  it('a bad date, and one bad item in a batch rejects the whole batch', async () => {
    const { dir } = await seededFolder();
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.add({ text: 'ok', subject: 'x', event_time: 'last Tuesday-ish' }));
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) =>
      s.addMany([
        { text: 'fine', subject: 'x' },
        { text: '', subject: 'x' },
      ]),
    );
  });

  it('wrong vector dimension, NaN vectors, and an embedder other than the one that made the vectors', async () => {
    const { dir } = await seededFolder();
    await expectRefusedUnchanged(dir, 'DIMENSION_MISMATCH', (s) => s.add({ text: 'ok', subject: 'x', vector: new Float32Array(384) }));
    await expectRefusedUnchanged(dir, 'DIMENSION_MISMATCH', (s) => s.search(new Float32Array(768)));
    await expectRefusedUnchanged(dir, 'INVALID_INPUT', (s) => s.add({ text: 'ok', subject: 'x', vector: new Float32Array(512).fill(Number.NaN) }));
    const digest = folderDigest(dir);
    await expect(MemoryStore.open({ uri: dir, embedder: fakeEmbedder('openai:nomic-embed-text', 768) })).rejects.toMatchObject({
      code: 'DIMENSION_MISMATCH',
      message: expect.stringMatching(/holds 512-d vectors from tfjs:universal-sentence-encoder-lite.*makes 768-d/),
    });
    await expect(MemoryStore.open({ uri: dir, embedder: fakeEmbedder('openai:other-512', 512) })).rejects.toMatchObject({ code: 'EMBEDDER_MISMATCH' });
    expect(folderDigest(dir)).toBe(digest);
  });

  it('unknown ids', async () => {
    const { dir } = await seededFolder();
    await expectRefusedUnchanged(dir, 'NOT_FOUND', (s) => s.get('no-such-id'));
    await expectRefusedUnchanged(dir, 'NOT_FOUND', (s) => s.edit('no-such-id', { text: 'x' }));
    await expectRefusedUnchanged(dir, 'NOT_FOUND', (s) => s.delete("it's' OR '1'='1"));
    await expectRefusedUnchanged(dir, 'NOT_FOUND', (s) => s.undo('no-such-op'));
  });

  it('a corrupt database folder is reported and left untouched', async () => {
    const { dir } = await seededFolder();
    const versions = join(dir, 'memories.lance', '_versions');
    for (const manifest of readdirSync(versions)) writeFileSync(join(versions, manifest), 'this is not a lance manifest');
    const digest = folderDigest(dir);
    await expect(MemoryStore.open({ uri: dir, embedder: await realEmbedder() })).rejects.toMatchObject({
      code: 'DATABASE_CORRUPT',
      message: expect.stringContaining('Nothing was changed'),
    });
    expect(folderDigest(dir)).toBe(digest);
    // The lock was released: the failure did not leave the profile unusable.
    expect(readdirSync(dir)).not.toContain('.memr1.lock');
  });

  it('a missing folder, a file, or a foreign folder is not a database', async () => {
    const root = tempDir();
    await expect(MemoryStore.open({ uri: join(root, 'nope'), create: false })).rejects.toMatchObject({ code: 'DATABASE_MISSING' });
    await expect(MemoryStore.open({ uri: join(root, 'nope'), readOnly: true })).rejects.toMatchObject({ code: 'DATABASE_MISSING' });
    expect(readdirSync(root)).toEqual([]);
    writeFileSync(join(root, 'file.txt'), 'hello');
    await expect(MemoryStore.open({ uri: join(root, 'file.txt'), embedder: await realEmbedder() })).rejects.toMatchObject({ code: 'NOT_A_DATABASE' });
    await expect(MemoryStore.open({ uri: root, embedder: await realEmbedder() })).rejects.toMatchObject({ code: 'NOT_A_DATABASE' });
    expect(readdirSync(root)).toEqual(['file.txt']);
  });

  it('a second process opening the same profile is refused until the first is gone', async () => {
    const { dir } = await seededFolder();
    const holder = spawnScript('test/fixtures/hold-profile-child.ts', [dir]);
    await waitForLine(holder, (line) => line === 'holding');
    await expect(MemoryStore.open({ uri: dir, embedder: await realEmbedder() })).rejects.toMatchObject({
      code: 'PROFILE_LOCKED',
      message: expect.stringContaining(`pid ${holder.pid}`),
    });
    // Reading alongside the writer is allowed.
    const reader = await MemoryStore.open({ uri: dir, readOnly: true });
    expect(await reader.count()).toBe(2);
    await expect(reader.add({ text: 'x', subject: 'y' })).rejects.toMatchObject({ code: 'READ_ONLY' });
    await reader.close();
    holder.kill('SIGKILL');
    await exited(holder);
    const store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
    expect(await store.count()).toBe(2);
    // The same process cannot open it twice either.
    await expect(MemoryStore.open({ uri: dir, embedder: await realEmbedder() })).rejects.toMatchObject({ code: 'PROFILE_LOCKED' });
    await store.close();
  });

  it('a closed store refuses calls', async () => {
    const { dir } = await seededFolder();
    const store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
    await store.close();
    await expect(store.get('x')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
