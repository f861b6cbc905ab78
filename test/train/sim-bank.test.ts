import { describe, expect, it } from 'vitest';
import { heuristicDecision } from '../../models/agents/heuristic-prior.js';
import { MANAGER_FEATURE_DIM } from '../../models/agents/manager-state.js';
import { bankFromObservations, openBank } from '../../models/eval/evidence/build-bank.js';
import { loadLocomo } from '../../models/eval/locomo/load-locomo.js';
import { splitLocomo } from '../../models/eval/locomo/split.js';
import { CategoricalPolicy } from '../../models/rl/categorical-policy.js';
import { embedConversation } from '../../models/train/locomo/embedded-conversation.js';
import { SimBank } from '../../models/train/locomo/sim-bank.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const LOCOMO = new URL('../../../shared/data/locomo10.json', import.meta.url).pathname;
const tempDir = useTempDirs();
const unitVector = (...values: number[]) => {
  const norm = Math.hypot(...values);
  return Float32Array.from(values, (v) => v / norm);
};
const fact = (text: string, vector: Float32Array, sources: string[]) => ({ text, vector, subject: 'Ines', time: '2023-05-08T13:56:00.000Z', sources });

describe('SimBank: the in-memory bank the manager trains against', () => {
  it('applies ADD, UPDATE, DELETE and NOOP as the Memory Manager does, without changing the bank it came from', () => {
    const empty = SimBank.empty();
    const one = empty.apply(fact('Ines likes tea.', unitVector(1, 0), ['D1:1']), [], { kind: 'ADD' });
    const two = one.apply(fact('Ines runs.', unitVector(0, 1), ['D1:2']), one.related(unitVector(0, 1), 10), { kind: 'ADD' });
    expect(empty.memories).toHaveLength(0);
    expect(two.memories.map((m) => m.text)).toEqual(['Ines likes tea.', 'Ines runs.']);

    const related = two.related(unitVector(1, 0.1), 10);
    expect(related.map((m) => m.text)).toEqual(['Ines likes tea.', 'Ines runs.']); // best first
    const updated = two.apply(fact('Ines likes coffee now.', unitVector(1, 0.1), ['D2:1']), related, { kind: 'UPDATE', index: 0 });
    expect(updated.memories.find((m) => m.id === related[0]!.id)).toMatchObject({ text: 'Ines likes coffee now.', sources: ['D1:1', 'D2:1'] });
    expect(two.memories[0]!.text).toBe('Ines likes tea.');

    const deleted = updated.apply(fact('Ines stopped running.', unitVector(0, 1), ['D2:2']), updated.related(unitVector(0, 1), 10), { kind: 'DELETE', index: 0 });
    expect(deleted.memories.map((m) => m.text)).toEqual(['Ines likes coffee now.']);
    expect(deleted.apply(fact('Ines likes coffee now.', unitVector(1, 0.1), ['D2:3']), [], { kind: 'NOOP' })).toBe(deleted);
  });

  it('ends with the same memories as the real store when the zero-shot manager replays a LoCoMo conversation', async () => {
    const embedder = await realEmbedder();
    const conversation = splitLocomo(await loadLocomo(LOCOMO)).validation.conversations[0]!;
    const embedded = await embedConversation(embedder, conversation, []);
    let sim = SimBank.empty();
    for (const f of embedded.facts) {
      const related = sim.related(f.vector, 10);
      sim = sim.apply(f, related, heuristicDecision(f, related));
    }
    const store = await openBank(tempDir(), embedder);
    try {
      const counts = await bankFromObservations(store, embedder, conversation, CategoricalPolicy.create(MANAGER_FEATURE_DIM), 'prior');
      expect(counts.UPDATE).toBeGreaterThan(50); // the replay exercises merges, not only ADDs
      const real: string[] = [];
      for await (const memory of store.all()) real.push(`${memory.text} | ${memory.sources.join(',')}`);
      expect(sim.memories.map((m) => `${m.text} | ${m.sources.join(',')}`).sort()).toEqual(real.sort());
    } finally {
      await store.close();
    }
  });
});
