import * as lancedb from '@lancedb/lancedb';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../models/memory/journal.js';
import type { MemoryRecord } from '../../models/memory/records.js';
import { MemoryStore } from '../../models/memory/store.js';
import { exited, spawnScript, waitForLine } from '../helpers/child-process.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

interface Acknowledged {
  op_id: string;
  memory_id: string;
  text: string;
}

/** Runs the adding child and SIGKILLs it once it has acknowledged `killAfter` adds. */
async function addThenKill(dir: string, killAfter: number, prefix: string): Promise<Acknowledged[]> {
  const child = spawnScript('test/fixtures/add-memories-child.ts', [dir, '1000', prefix]);
  const acknowledged: Acknowledged[] = [];
  await waitForLine(
    child,
    () => acknowledged.length >= killAfter,
    (line) => {
      const message = JSON.parse(line) as Partial<Acknowledged>;
      if (message.op_id) acknowledged.push(message as Acknowledged);
    },
  );
  child.kill('SIGKILL');
  await exited(child);
  expect(child.signalCode).toBe('SIGKILL');
  return acknowledged;
}

/** Every applied ADD is present and whole; nothing else is visible; nothing is left pending. */
async function checkConsistent(store: MemoryStore, acknowledged: Acknowledged[]): Promise<void> {
  const ops = await store.recentOperations(5000);
  expect(ops.filter((op) => op.status === 'pending')).toEqual([]);
  const applied = ops.filter((op) => op.kind === 'ADD' && op.status === 'applied');
  for (const ack of acknowledged) expect(applied.some((op) => op.op_id === ack.op_id)).toBe(true);
  for (const op of applied) {
    const memory = await store.get(op.memory_id!);
    expect(memory.text).toBe(op.after!.text);
    expect(Array.from(memory.vector)).toEqual(Array.from(op.after!.vector));
    expect(memory.sources).toEqual(op.after!.sources);
  }
  expect(await store.count()).toBe(applied.length);
}

describe('nothing is lost on a crash', () => {
  it('survives SIGKILL during 1,000 adds: acknowledged memories are whole, recovery completes the rest, undo works', async () => {
    const dir = tempDir();
    const first = await addThenKill(dir, 150, 'first');
    const second = await addThenKill(dir, 120, 'second'); // also proves the dead writer's lock was taken over

    const store = await MemoryStore.open({ uri: dir, embedder: await realEmbedder() });
    await checkConsistent(store, [...first, ...second]);

    const last = second.at(-1)!;
    await store.undo(last.op_id);
    await expect(store.get(last.memory_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const after = await store.add({ text: 'Written after the crash.', subject: 'user' });
    expect((await store.get(after.memory_id!)).text).toBe('Written after the crash.');
    await store.close();
  });

  it('rolls a pending operation forward from its journal snapshot when reopened', async () => {
    const dir = tempDir();
    const embedder = await realEmbedder();
    const store = await MemoryStore.open({ uri: dir, embedder });
    const kept = await store.add({ text: 'Kept memory.', subject: 'user' });
    const doomed = await store.add({ text: 'Memory whose delete was interrupted.', subject: 'user' });
    await store.close();

    // Write what a crash right after the journal append leaves: pending entries, memory table untouched.
    const db = await lancedb.connect(dir);
    const journal = await Journal.open(await db.openTable('operations'));
    const [vector] = await embedder.embed(['Memory added just before the crash.']);
    const now = new Date().toISOString();
    const newMemory: MemoryRecord = { id: 'crash-add', text: 'Memory added just before the crash.', vector: vector!, subject: 'user', event_time: null, created_at: now, updated_at: now, sources: ['D9:9'], version: 1, scope: 'personal' };
    const keptRecord = kept.after!;
    const updated: MemoryRecord = { ...keptRecord, text: 'Kept memory, updated.', version: 2, updated_at: now };
    const pending = await journal.append([
      { op_id: 'p-add', at: now, kind: 'ADD', memory_id: 'crash-add', before: null, after: newMemory, fact: null, origin: 'user', status: 'pending', turn_id: null, undoes: null, scope: 'personal' },
      { op_id: 'p-update', at: now, kind: 'UPDATE', memory_id: keptRecord.id, before: keptRecord, after: updated, fact: null, origin: 'user', status: 'pending', turn_id: null, undoes: null, scope: 'personal' },
      { op_id: 'p-delete', at: now, kind: 'DELETE', memory_id: doomed.memory_id, before: doomed.after, after: null, fact: null, origin: 'user', status: 'pending', turn_id: null, undoes: null, scope: 'personal' },
    ]);
    expect(pending).toHaveLength(3);
    db.close();

    const reopened = await MemoryStore.open({ uri: dir, embedder });
    expect(await reopened.get('crash-add')).toEqual(newMemory);
    expect((await reopened.get(keptRecord.id)).text).toBe('Kept memory, updated.');
    await expect(reopened.get(doomed.memory_id!)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const opId of ['p-add', 'p-update', 'p-delete']) expect((await reopened.operation(opId)).status).toBe('applied');
    await reopened.undo('p-update');
    expect(await reopened.get(keptRecord.id)).toEqual(keptRecord);
    await reopened.close();
  });
});
