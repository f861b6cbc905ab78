import * as lancedb from '@lancedb/lancedb';
import { describe, expect, it } from 'vitest';
import { cosine } from '../../models/embed/embedder.js';
import { exportJson, exportMarkdown, importJson } from '../../models/memory/export.js';
import { FeedbackLog } from '../../models/memory/feedback-log.js';
import { MessageLog } from '../../models/memory/message-log.js';
import { MemoryStore } from '../../models/memory/store.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function openStore(dir = tempDir()): Promise<MemoryStore> {
  return MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
}

describe('MemoryStore on a real LanceDB folder', () => {
  it('adds, gets, edits and deletes, journaling every change with before/after snapshots', async () => {
    const store = await openStore();
    const add = await store.add({ text: 'Alice lives in Paris.', subject: 'alice', event_time: '2023-05-08T13:56:00Z', sources: ['D1:3'] });
    expect(add).toMatchObject({ kind: 'ADD', status: 'applied', origin: 'user', before: null });
    const id = add.memory_id!;
    const stored = await store.get(id);
    expect(stored).toMatchObject({ text: 'Alice lives in Paris.', subject: 'alice', event_time: '2023-05-08T13:56:00.000Z', sources: ['D1:3'], version: 1 });
    expect(stored.vector).toHaveLength(512);

    const edit = await store.edit(id, { text: 'Alice moved to Berlin.', sources: ['D1:3', 'D4:1'] }, { origin: 'manager@3', turn_id: 't9' });
    expect(edit).toMatchObject({ kind: 'UPDATE', origin: 'manager@3', turn_id: 't9' });
    expect(edit.before?.text).toBe('Alice lives in Paris.');
    expect(edit.after).toMatchObject({ text: 'Alice moved to Berlin.', version: 2, sources: ['D1:3', 'D4:1'] });
    expect(cosine(edit.before!.vector, edit.after!.vector)).toBeLessThan(0.999); // re-embedded

    const del = await store.delete(id);
    expect(del).toMatchObject({ kind: 'DELETE', after: null });
    await expect(store.get(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const history = await store.history(id);
    expect(history.map((op) => [op.kind, op.status])).toEqual([
      ['ADD', 'applied'],
      ['UPDATE', 'applied'],
      ['DELETE', 'applied'],
    ]);
    expect(history.map((op) => op.seq)).toEqual([...history.map((op) => op.seq)].sort((a, b) => a - b));
    await store.close();
  });

  it('undo restores the exact previous record after UPDATE and DELETE, and removes an ADD', async () => {
    const store = await openStore();
    const add = await store.add({ text: 'Bob has a dog named Rex.', subject: 'bob', sources: ['D2:1'] });
    const id = add.memory_id!;
    const original = await store.get(id);
    const update = await store.edit(id, { text: 'Bob has a cat named Rex.', subject: 'robert', event_time: '2024-01-01' });

    const undoUpdate = await store.undo(update.op_id);
    expect(undoUpdate).toMatchObject({ kind: 'UPDATE', undoes: update.op_id });
    expect(await store.get(id)).toEqual(original); // same text, vector bytes, version, times
    expect((await store.operation(update.op_id)).status).toBe('undone');

    const del = await store.delete(id);
    const undoDelete = await store.undo(del.op_id);
    expect(undoDelete).toMatchObject({ kind: 'ADD', undoes: del.op_id });
    expect(await store.get(id)).toEqual(original);

    // An operation on a memory that changed since is refused, naming what to undo first.
    const later = await store.edit(id, { text: 'Bob has two dogs.' });
    await expect(store.undo(add.op_id)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(later.op_id) });
    await store.undo(later.op_id);
    await store.undo(add.op_id);
    await expect(store.get(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Undoing twice is refused: the operation is already undone.
    await expect(store.undo(add.op_id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await store.close();
  });

  it('searches by meaning with subject and time filters, by words (BM25), and by both (RRF)', async () => {
    const store = await openStore();
    await store.addMany([
      { text: 'Caroline went to a pottery class.', subject: 'caroline', event_time: '2023-05-01' },
      { text: 'Caroline adopted a puppy from the shelter.', subject: 'caroline', event_time: '2023-07-10' },
      { text: 'Melanie painted a sunrise over the lake.', subject: 'melanie', event_time: '2023-06-02' },
      { text: 'Melanie is training for a marathon.', subject: 'melanie', event_time: '2023-08-20' },
      { text: 'The weather was rainy all week.', subject: 'melanie' },
    ]);
    const [top] = await store.search('a new dog', { k: 1 });
    expect(top!.memory.text).toBe('Caroline adopted a puppy from the shelter.');

    const melanieOnly = await store.search('dog', { k: 10, subject: 'melanie' });
    expect(melanieOnly.map((r) => r.memory.subject)).toEqual(['melanie', 'melanie', 'melanie']);

    const summer = await store.search('activities', { k: 10, from: '2023-06-01', to: '2023-07-31' });
    expect(summer.map((r) => r.memory.text).sort()).toEqual(['Caroline adopted a puppy from the shelter.', 'Melanie painted a sunrise over the lake.']);

    const words = await store.search('marathon', { mode: 'text' });
    expect(words.map((r) => r.memory.text)).toEqual(['Melanie is training for a marathon.']);

    const hybrid = await store.search('pottery class', { mode: 'hybrid', k: 3 });
    expect(hybrid[0]!.memory.text).toBe('Caroline went to a pottery class.');
    expect(hybrid.length).toBeGreaterThan(1); // the vector side contributes beyond the word match
    await store.close();
  });

  it('ranks memories with equal BM25 scores in id order, whatever order the full-text search finished in', async () => {
    const store = await openStore();
    // Six memories that match the question by one word each, at equal length: equal BM25 scores.
    const colours = ['red', 'blue', 'green', 'white', 'black', 'brown'];
    for (const colour of colours) await store.add({ text: `The user owns a ${colour} kite.`, subject: 'user' });
    const hits = await store.search('kite', { mode: 'text', k: 10 });
    expect(new Set(hits.map((h) => h.score)).size).toBe(1);
    const ids = hits.map((h) => h.memory.id);
    expect(ids).toEqual([...ids].sort());
    await store.close();
  });

  it('opens a profile from before scopes: its memories and operations become personal, read-only first, then migrated in place', async () => {
    const dir = tempDir();
    let store = await openStore(dir);
    const added = await store.add({ text: 'Alice lives in Paris.', subject: 'alice' });
    await store.close();
    // What an older release left: no scope column in either table.
    const db = await lancedb.connect(dir);
    for (const name of ['memories', 'operations']) await (await db.openTable(name)).dropColumns(['scope']);
    db.close();

    const reader = await MemoryStore.open({ uri: dir, embedder: await realEmbedder(), readOnly: true });
    expect((await reader.get(added.memory_id!)).scope).toBe('personal');
    await reader.close();
    store = await openStore(dir);
    expect((await store.get(added.memory_id!)).scope).toBe('personal');
    expect((await store.search('Paris', { k: 5, scope: 'personal' })).map((hit) => hit.memory.text)).toEqual(['Alice lives in Paris.']);
    expect(await store.count({ scope: 'Atlas' })).toBe(0);
    expect((await store.recentOperations(5, 0, { scope: 'personal' })).map((op) => op.op_id)).toEqual([added.op_id]);
    await store.edit(added.memory_id!, { scope: 'Atlas' });
    expect(Object.fromEntries(await store.scopeCounts())).toEqual({ Atlas: 1 });
    await store.close();
  });

  it('stores vectors at unit length and scores vector hits by cosine similarity', async () => {
    const store = await openStore();
    const raw = Float32Array.from({ length: 512 }, (_, i) => (i % 7) - 3); // not unit length
    const op = await store.add({ text: 'A memory with a hand-made vector.', subject: 'x', vector: raw });
    const stored = await store.get(op.memory_id!);
    expect(Math.hypot(...stored.vector)).toBeCloseTo(1, 5);
    expect(cosine(stored.vector, raw)).toBeCloseTo(1, 5);
    await store.add({ text: 'Another memory.', subject: 'x' });
    const query = Float32Array.from({ length: 512 }, (_, i) => ((i * 3) % 5) - 2);
    for (const hit of await store.search(query, { k: 2 })) expect(hit.score).toBeCloseTo(cosine(query, hit.memory.vector), 4);
    await expect(store.add({ text: 'zero', subject: 'x', vector: new Float32Array(512) })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await store.close();
  });

  it('lists with paging, newest change first', async () => {
    const store = await openStore();
    const ops = await store.addMany(Array.from({ length: 7 }, (_, i) => ({ text: `Fact number ${i}.`, subject: i % 2 ? 'odd' : 'even' })));
    await store.edit(ops[2]!.memory_id!, { text: 'Fact number two, corrected.' });
    const first = await store.list({ limit: 3 });
    expect(first.total).toBe(7);
    expect(first.items[0]!.text).toBe('Fact number two, corrected.');
    const rest = await store.list({ offset: 3, limit: 10 });
    expect(rest.items).toHaveLength(4);
    const ids = new Set([...first.items, ...rest.items].map((m) => m.id));
    expect(ids.size).toBe(7);
    expect((await store.list({ subject: 'odd' })).total).toBe(3);
    await store.close();
  });

  it('round-trips a JSON export through import into a new database, and writes Markdown per subject', async () => {
    const source = await openStore();
    const ops = await source.addMany([
      { text: 'Jon opened a dance studio.', subject: 'jon', event_time: '2023-01-20', sources: ['D1:1', 'D1:2'] },
      { text: 'Gina lost her job at Door Dash.', subject: 'gina', sources: ['D2:7'] },
    ]);
    await source.edit(ops[0]!.memory_id!, { text: 'Jon opened a dance studio downtown.' });
    const exported = await exportJson(source);
    const markdown = await exportMarkdown(source);
    const before = await Promise.all(ops.map((op) => source.get(op.memory_id!)));
    await source.close();

    expect(markdown).toContain('## gina');
    expect(markdown).toContain('- 2023-01-20T00:00:00.000Z: Jon opened a dance studio downtown. _(sources: D1:1, D1:2)_');

    const target = await openStore();
    const result = await importJson(target, JSON.parse(JSON.stringify(exported)));
    expect(result).toEqual({ imported: 2, skipped: [], reembedded: false });
    for (const memory of before) expect(await target.get(memory.id)).toEqual(memory);
    expect((await target.history(before[0]!.id))[0]).toMatchObject({ kind: 'ADD', origin: 'import' });

    const again = await importJson(target, exported);
    expect(again.imported).toBe(0);
    expect(again.skipped.sort()).toEqual(before.map((m) => m.id).sort());
    await expect(importJson(target, { format: 'something else' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await target.close();
  });

  it('records which embedder made the vectors', async () => {
    const store = await openStore();
    expect(store.meta).toMatchObject({ embedder_id: 'tfjs:universal-sentence-encoder-lite', dimension: 512 });
    await store.close();
  });

  it('keeps chat messages and feedback in their own tables', async () => {
    const store = await openStore();
    const messages = new MessageLog(store.tables.messages);
    const feedback = new FeedbackLog(store.tables.feedback);
    await messages.append({ session_id: 's1', turn_id: 't1', role: 'user', text: 'I moved to Berlin.' });
    await messages.append({ session_id: 's1', turn_id: 't1', role: 'assistant', text: 'Noted!' });
    await messages.append({ session_id: 's2', turn_id: 't2', role: 'user', text: 'Other chat.' });
    expect((await messages.session('s1')).map((m) => m.role)).toEqual(['user', 'assistant']);
    await feedback.record({ kind: 'op_rejected', target_id: 'op-1', value: -1 });
    await feedback.record({ kind: 'op_edited', target_id: 'op-2', value: 0, payload: { text: 'better text' } });
    expect((await feedback.all()).map((f) => [f.kind, f.value, f.payload])).toEqual([
      ['op_rejected', -1, null],
      ['op_edited', 0, { text: 'better text' }],
    ]);
    await expect(feedback.record({ kind: 'op_accepted', target_id: 'x', value: 5 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await store.close();
  });

  it('builds a vector index past its threshold and still finds the nearest memories', async () => {
    const dir = tempDir();
    const embedder = await realEmbedder();
    const store = await MemoryStore.open({ uri: dir, embedder, vectorIndexMinRows: 300 });
    const texts = Array.from({ length: 320 }, (_, i) => `Note ${i}: ${['cooking pasta', 'hiking trails', 'jazz concerts', 'tax forms'][i % 4]} with friend ${i % 17}.`);
    await store.addMany(texts.map((text) => ({ text, subject: 'user' })));
    await store.maintain();
    expect((await store.tables.memories.listIndices()).map((i) => i.indexType)).toContain('IvfFlat');
    const query = (await embedder.embed(['hiking in the mountains']))[0]!;
    const indexed = await store.search(query, { k: 10, lance: 'index' });
    const exact = await store.search(query, { k: 10, lance: 'exact' });
    const overlap = indexed.filter((r) => exact.some((e) => e.memory.id === r.memory.id)).length;
    expect(overlap).toBeGreaterThanOrEqual(8);
    expect(indexed[0]!.memory.text).toContain('hiking');
    await store.close();
  });
});
