import { describe, expect, it } from 'vitest';
import { SyntheticEmbedder, TopicVectors } from '../../models/bench/synthetic-vectors.js';
import type { MemoryFilter, ScoredMemory } from '../../models/memory/memory-table.js';
import { MemoryStore } from '../../models/memory/store.js';
import { mulberry32 } from '../../models/util/seeded-random.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const DIMENSION = 64;
const SUBJECTS = ['user', 'Ana', 'Marco'];
const SCOPES = ['personal', 'Atlas', 'client:cursor'];
const TIMES = ['2023-01-05T10:00:00.000Z', '2023-03-10T08:30:00.000Z', '2023-05-08T13:56:00.000Z', '2024-02-29T23:59:59.000Z', null];
/** Scores this close are a float tie: LanceDB's L2 kernel and the mirror's sum in different orders. */
const TIE = 1e-5;

function randomFilter(random: () => number): MemoryFilter {
  const filter: MemoryFilter = {};
  if (random() < 0.4) filter.subject = SUBJECTS[Math.floor(random() * SUBJECTS.length)]!;
  if (random() < 0.4) filter.scope = SCOPES[Math.floor(random() * SCOPES.length)]!;
  if (random() < 0.3) filter.from = TIMES[Math.floor(random() * 4)]!;
  if (random() < 0.3) filter.to = TIMES[Math.floor(random() * 4)]!;
  return filter;
}

/** Same memories, same order, except that memories with tied scores may swap places. */
function expectSameResults(mirror: ScoredMemory[], lance: ScoredMemory[], context: string): void {
  expect(mirror.length, context).toBe(lance.length);
  mirror.forEach((m, i) => {
    const l = lance[i]!;
    expect(Math.abs(m.score - l.score), `${context}, rank ${i}`).toBeLessThan(TIE);
    if (m.memory.id !== l.memory.id) {
      const tied = lance.filter((other) => Math.abs(other.score - m.score) < TIE).map((other) => other.memory.id);
      expect(tied, `${context}, rank ${i}: ${m.memory.id} instead of ${l.memory.id} without a tie`).toContain(m.memory.id);
    }
  });
  const lanceById = new Map(lance.map((l) => [l.memory.id, l.memory]));
  for (const m of mirror) if (lanceById.has(m.memory.id)) expect(m.memory, context).toEqual(lanceById.get(m.memory.id));
}

async function expectMirrorMatchesLance(store: MemoryStore, vectors: TopicVectors, random: () => number, phase: string): Promise<void> {
  for (let q = 0; q < 25; q++) {
    const query = vectors.next();
    const options = { k: 1 + Math.floor(random() * 80), ...randomFilter(random) };
    const context = `${phase}, query ${q} ${JSON.stringify(options)}`;
    expectSameResults(await store.search(query, options), await store.search(query, { ...options, lance: 'exact' }), context);
  }
}

/**
 * Full-text search and counts with the mirror loaded (ids from LanceDB, memories from the mirror; counted in the
 * mirror) give what a store without the mirror reads from the table: a read-only open of the same folder.
 */
async function expectTextSearchAndCountMatchRows(store: MemoryStore, dir: string, vectors: TopicVectors, random: () => number, phase: string, { mirrorInStep = true } = {}): Promise<void> {
  const reader = await MemoryStore.open({ uri: dir, readOnly: true, embedder: new SyntheticEmbedder(vectors) });
  try {
    for (let q = 0; q < 10; q++) {
      const words = ['memory', String(Math.floor(random() * 240)), 'bulk', 'late', String(Math.floor(random() * 20))];
      const query = words.filter(() => random() < 0.6).join(' ') || 'memory';
      const options = { k: 1 + Math.floor(random() * 80), mode: 'text' as const, ...randomFilter(random) };
      const context = `${phase}, text query "${query}" ${JSON.stringify(options)}`;
      const viaMirror = await store.search(query, options);
      const fromRows = await reader.search(query, options);
      expect(viaMirror.map((hit) => hit.score), context).toEqual(fromRows.map((hit) => hit.score));
      // LanceDB picks among memories tied at the cut-off score in thread order, so only those may differ.
      const cutOff = fromRows.at(-1)?.score;
      const above = (hits: ScoredMemory[]) => hits.filter((hit) => fromRows.length < options.k || hit.score !== cutOff);
      expect(above(viaMirror), context).toEqual(above(fromRows));
      const rowsById = new Map(fromRows.map((hit) => [hit.memory.id, hit.memory]));
      for (const { memory } of viaMirror) if (rowsById.has(memory.id)) expect(memory, context).toEqual(rowsById.get(memory.id));
      // A write around the store leaves the mirror behind until `maintain` (as vector search is): counts wait for it.
      const filter = randomFilter(random);
      if (mirrorInStep) expect(await store.count(filter), `${phase}, count ${JSON.stringify(filter)}`).toBe(await reader.count(filter));
    }
    if (mirrorInStep) for (const scope of [...SCOPES, 'unused']) expect(await store.count({ scope }), `${phase}, count in ${scope}`).toBe(await reader.count({ scope }));
  } finally {
    await reader.close();
  }
}

/** Forty searches asked for at once (scored together, 16 a pass) give exactly what each gives asked for alone. */
async function expectConcurrentSearchesMatchAlone(store: MemoryStore, vectors: TopicVectors, random: () => number): Promise<void> {
  const searches = Array.from({ length: 40 }, () => ({ query: vectors.next(), options: { k: 1 + Math.floor(random() * 80), ...randomFilter(random) } }));
  const together = await Promise.all(searches.map(({ query, options }) => store.search(query, options)));
  for (const [i, { query, options }] of searches.entries()) expect(together[i], `search ${i} ${JSON.stringify(options)}`).toEqual(await store.search(query, options));
}

describe('the vector mirror answers as LanceDB does', () => {
  it('gives LanceDB exact results (vector and full-text) under adds, edits, deletes, undo, random filters, sources, reopening and a write around it; a read-only store asks LanceDB', async () => {
    const dir = tempDir();
    const vectors = new TopicVectors(DIMENSION, 12, 42);
    const random = mulberry32(7);
    let store = await MemoryStore.open({ uri: dir, embedder: new SyntheticEmbedder(vectors) });
    try {
      const first = vectors.next();
      const inputs = Array.from({ length: 240 }, (_, i) => ({
        text: `memory ${i}`,
        subject: SUBJECTS[i % SUBJECTS.length]!,
        event_time: TIMES[i % TIMES.length],
        sources: i % 3 ? [] : [`D${i}:1`, `D${i}:2`],
        scope: SCOPES[i % 7 % SCOPES.length]!,
        // A few copies of one vector: exact ties.
        vector: i % 40 === 0 ? first : vectors.next(),
      }));
      const added = await store.addMany(inputs);
      await expectMirrorMatchesLance(store, vectors, random, 'after adds');
      await expectConcurrentSearchesMatchAlone(store, vectors, random);
      await expectTextSearchAndCountMatchRows(store, dir, vectors, random, 'after adds');

      const ids = added.map((op) => op.memory_id!);
      const edits = [];
      for (const id of ids.slice(0, 30)) edits.push(await store.edit(id, { vector: vectors.next(), subject: 'Ana', event_time: TIMES[Math.floor(random() * 4)]!, ...(random() < 0.3 && { scope: 'Atlas' }) }));
      const deletes = [];
      for (const id of ids.slice(30, 70)) deletes.push(await store.delete(id));
      await store.add({ text: 'a late one', subject: 'user', vector: vectors.next() });
      await expectMirrorMatchesLance(store, vectors, random, 'after edits and deletes');

      for (const op of [...edits.slice(0, 10), ...deletes.slice(0, 15)]) await store.undo(op.op_id);
      await expectMirrorMatchesLance(store, vectors, random, 'after undo');
      await expectTextSearchAndCountMatchRows(store, dir, vectors, random, 'after undo');

      // A write that goes around the store (as a benchmark's bulk load does), then the maintenance that follows one.
      const now = new Date().toISOString();
      await store.tables.memories.add(
        Array.from({ length: 20 }, (_, i) => ({ id: `bulk-${i}`, text: `bulk ${i}`, vector: Array.from(vectors.next()), subject: 'Marco', event_time: now, created_at: now, updated_at: now, sources: [], version: 1, scope: i % 2 ? 'personal' : 'Atlas' })),
      );
      await expectTextSearchAndCountMatchRows(store, dir, vectors, random, 'after a bulk load, before maintain (rows the mirror lacks)', { mirrorInStep: false });
      await store.maintain();
      await expectMirrorMatchesLance(store, vectors, random, 'after a bulk load and maintain');
      await expectTextSearchAndCountMatchRows(store, dir, vectors, random, 'after a bulk load and maintain');
      expect(await store.vectorMirrorBytes()).toBeGreaterThan(236 * DIMENSION * 4);

      await store.close();
      store = await MemoryStore.open({ uri: dir, embedder: new SyntheticEmbedder(vectors) });
      await expectMirrorMatchesLance(store, vectors, random, 'after reopening');

      // A read-only open (the CLI's one-shot search) asks LanceDB and reads no mirror.
      const reader = await MemoryStore.open({ uri: dir, readOnly: true, embedder: new SyntheticEmbedder(vectors) });
      try {
        const query = vectors.next();
        expectSameResults(await store.search(query, { k: 30 }), await reader.search(query, { k: 30 }), 'read-only');
        expect(await reader.vectorMirrorBytes()).toBe(0);
      } finally {
        await reader.close();
      }
    } finally {
      await store.close();
    }
  });
});
