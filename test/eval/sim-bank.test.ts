import { describe, expect, it } from 'vitest';
import { MANAGER_FEATURE_DIM } from '../../models/agents/manager-state.js';
import { MemoryManager } from '../../models/agents/memory-manager.js';
import { embedConversations } from '../../models/eval/bank/embedded-conversation.js';
import { heuristicChooser, replayManager } from '../../models/eval/bank/replay-manager.js';
import { SimBank } from '../../models/eval/bank/sim-bank.js';
import { openBank } from '../../models/eval/evidence/build-bank.js';
import { loadLocomo } from '../../models/eval/locomo/load-locomo.js';
import { splitLocomo } from '../../models/eval/locomo/split.js';
import { CategoricalPolicy } from '../../models/rl/categorical-policy.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const LOCOMO = new URL('../../../shared/data/locomo10.json', import.meta.url).pathname;
const tempDir = useTempDirs();
const unitVector = (...values: number[]) => {
  const norm = Math.hypot(...values);
  return Float32Array.from(values, (v) => v / norm);
};
const fact = (text: string, vector: Float32Array, sources: string[]) => ({ text, vector, subject: 'Ines', time: '2023-05-08T13:56:00.000Z', sources });

describe('SimBank: the in-memory bank the benchmark and training build', () => {
  it('applies ADD, UPDATE (a merge), DELETE and NOOP as the Memory Manager does, without changing the bank it came from', () => {
    const empty = SimBank.empty();
    const one = empty.apply(fact('Ines likes tea.', unitVector(1, 0), ['D1:1']), [], { kind: 'ADD' });
    const two = one.apply(fact('Ines runs.', unitVector(0, 1), ['D1:2']), one.related(unitVector(0, 1), 10), { kind: 'ADD' });
    expect(empty.memories).toHaveLength(0);
    expect(two.memories.map((m) => m.text)).toEqual(['Ines likes tea.', 'Ines runs.']);

    const related = two.related(unitVector(1, 0.1), 10);
    expect(related.map((m) => m.text)).toEqual(['Ines likes tea.', 'Ines runs.']); // best first
    const updated = two.apply(fact('Ines likes coffee now.', unitVector(1, 0.1), ['D2:1']), related, { kind: 'UPDATE', index: 0 });
    const merged = updated.memories.find((m) => m.id === related[0]!.id)!;
    // The merge keeps what the memory knew; its vector is the mean of its two facts' vectors.
    expect(merged).toMatchObject({ text: 'Ines likes tea. Ines likes coffee now.', sources: ['D1:1', 'D2:1'] });
    expect(Array.from(merged.vector)).toEqual(Array.from(unitVector(1 + 1 / Math.hypot(1, 0.1), 0.1 / Math.hypot(1, 0.1))).map((v) => expect.closeTo(v, 6)));
    expect(two.memories[0]!.text).toBe('Ines likes tea.');

    const deleted = updated.apply(fact('Ines stopped running.', unitVector(0, 1), ['D2:2']), updated.related(unitVector(0, 1), 10), { kind: 'DELETE', index: 0 });
    expect(deleted.memories.map((m) => m.text)).toEqual(['Ines likes tea. Ines likes coffee now.']);
    expect(deleted.apply(fact('Ines likes coffee now.', unitVector(1, 0.1), ['D2:3']), [], { kind: 'NOOP' })).toBe(deleted);
  });

  it('ends with the same memories as the real store when the zero-shot manager replays a LoCoMo conversation under a bank budget', async () => {
    const embedder = await realEmbedder();
    const conversation = splitLocomo(await loadLocomo(LOCOMO)).validation.conversations[0]!;
    const [embedded] = await embedConversations(embedder, [conversation], []);
    const capacity = 60;
    const kinds: string[] = [];
    const sim = replayManager(embedded!.facts, heuristicChooser, capacity, SimBank.empty(), (_view, action) => kinds.push(action.kind));
    expect(sim.memories.length).toBeLessThanOrEqual(capacity);
    const store = await openBank(tempDir(), embedder);
    try {
      const manager = new MemoryManager({ store, embedder, policy: CategoricalPolicy.create(MANAGER_FEATURE_DIM), policyVersion: 'prior', capacity });
      const real: string[] = [];
      const storeKinds: string[] = [];
      for (const o of conversation.observations) {
        for (const decision of await manager.ingest({ subject: o.subject, text: o.text, time: o.time, sources: o.sources, facts: [o.text] })) storeKinds.push(decision.op.kind);
      }
      expect(storeKinds).toEqual(kinds);
      expect(kinds.filter((k) => k === 'UPDATE').length).toBeGreaterThan(50); // the replay exercises merges, not only ADDs
      expect(kinds.filter((k) => k === 'NOOP').length).toBeGreaterThan(0); // and the budget: facts dropped once it is full
      for await (const memory of store.all()) real.push(`${memory.text} | ${memory.sources.join(',')}`);
      expect(sim.memories.map((m) => `${m.text} | ${m.sources.join(',')}`).sort()).toEqual(real.sort());
    } finally {
      await store.close();
    }
  });
});
