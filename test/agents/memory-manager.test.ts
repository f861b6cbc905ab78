import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { mergedVector } from '../../models/agents/merge-memory.js';
import { MemoryManager } from '../../models/agents/memory-manager.js';
import { MANAGER_FEATURE_DIM } from '../../models/agents/manager-state.js';
import { ScriptedChatModel } from '../../models/llm/scripted-model.js';
import { MemoryStore } from '../../models/memory/store.js';
import { CategoricalPolicy } from '../../models/rl/categorical-policy.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function setup(policy?: CategoricalPolicy, llm?: ScriptedChatModel) {
  await ensureTfBackend();
  const embedder = await realEmbedder();
  const store = await MemoryStore.open({ uri: tempDir(), embedder });
  const manager = new MemoryManager({ store, embedder, policy: policy ?? CategoricalPolicy.create(MANAGER_FEATURE_DIM), policyVersion: 'test', ...(llm ? { llm } : {}) });
  return { store, manager };
}

/** A policy whose residual adds +10 to every DELETE action (feature 3 is the DELETE one-hot). */
function alwaysDelete(): CategoricalPolicy {
  const policy = CategoricalPolicy.create(MANAGER_FEATURE_DIM, { hidden: 4 });
  const [kernel, bias, outKernel, outBias] = policy.net.getWeights();
  const k = new Float32Array(MANAGER_FEATURE_DIM * 4);
  k[3 * 4 + 0] = 5; // hidden unit 0 reads the DELETE flag
  const o = new Float32Array(4);
  o[0] = 10;
  policy.net.setWeights([tf.tensor2d(k, kernel!.shape as [number, number]), tf.zerosLike(bias!), tf.tensor2d(o, outKernel!.shape as [number, number]), tf.zerosLike(outBias!)]);
  return policy;
}

describe('MemoryManager on a real store (no LLM: the message is the fact, the heuristic is the prior)', () => {
  it('ADDs a new fact, NOOPs an exact repeat, UPDATEs a close revision by merging it in, sources unioned', async () => {
    const { store, manager } = await setup();
    const [add] = await manager.ingest({ subject: 'Alice', text: 'Alice lives in Paris.', time: '2023-01-01', sources: ['D1:1'], turnId: 't1' });
    expect(add!.op).toMatchObject({ kind: 'ADD', origin: 'manager@test', turn_id: 't1', fact: { text: 'Alice lives in Paris.', sources: ['D1:1'] } });
    expect(add!.priorSource).toBe('heuristic');

    const [repeat] = await manager.ingest({ subject: 'Alice', text: 'Alice lives in Paris.', sources: ['D2:1'] });
    expect(repeat!.op.kind).toBe('NOOP');
    expect(await store.count()).toBe(1);

    const [update] = await manager.ingest({ subject: 'Alice', text: 'Alice resides in Paris, in the 11th arrondissement.', time: '2023-03-01', sources: ['D3:4'] });
    expect(update!.action).toEqual({ kind: 'UPDATE', index: 0 });
    const memory = await store.get(add!.op.memory_id!);
    // Without an LLM the memory keeps what it said and gains the fact; its vector is the mean of the two facts' embeddings.
    expect(memory).toMatchObject({ text: 'Alice lives in Paris. Alice resides in Paris, in the 11th arrondissement.', version: 2, sources: ['D1:1', 'D3:4'], event_time: '2023-03-01T00:00:00.000Z' });
    expect(Array.from(memory.vector)).toEqual(Array.from(mergedVector('Alice lives in Paris.', add!.op.after!.vector, update!.fact.vector)).map((v) => expect.closeTo(v, 5)));
    expect((await store.history(memory.id)).map((op) => op.kind)).toEqual(['ADD', 'NOOP', 'UPDATE']); // the NOOP is journaled against the memory it matched
  });

  it("applies the policy's choice, not the prior's: a DELETE removes the related memory and is undoable", async () => {
    const { store, manager } = await setup(alwaysDelete());
    await store.add({ text: 'Bob has a pet dog.', subject: 'Bob' });
    const [decision] = await manager.ingest({ subject: 'Bob', text: 'Bob does not have a dog anymore.' });
    expect(decision!.prior.kind).not.toBe('DELETE');
    expect(decision!.action).toEqual({ kind: 'DELETE', index: 0 });
    expect(await store.count()).toBe(0);
    await store.undo(decision!.op.op_id);
    expect(await store.count()).toBe(1);
  });

  it('samples at temperature 1 when given a random source (training), always a valid action', async () => {
    const { manager } = await setup();
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const decisions = await manager.ingest({ subject: 'Cy', text: 'Cy enjoys chess.', facts: ['Cy enjoys chess.', 'Cy enjoys chess a lot.', 'Cy works as a pilot.'] }, random);
    expect(decisions).toHaveLength(3);
    for (const d of decisions) expect(d.actionIndex).toBeLessThan(2 + 2 * d.related.length);
  });
});

describe('MemoryManager with an LLM (scripted test model)', () => {
  const llm = new ScriptedChatModel([
    { when: /<conversation>/, reply: '```json\n{"facts": ["Dana moved to Lisbon in May 2023.", "Dana adopted a cat."]}\n```' },
    { when: (m) => m.some((x) => x.content.includes('Lisbon')) && m.some((x) => x.content.includes('Dana lives in Porto')), reply: '{"event": "UPDATE", "id": "0", "text": "Dana lived in Porto and moved to Lisbon in May 2023."}' },
    { when: /<fact>/, reply: 'ADD' },
  ]);

  it('extracts facts, takes the LLM decision as the prior and its merged text for the UPDATE', async () => {
    const { store, manager } = await setup(undefined, llm);
    await store.add({ text: 'Dana lives in Porto.', subject: 'Dana' });
    const decisions = await manager.ingest({ subject: 'Dana', text: 'Guess what, I moved to Lisbon last month and adopted a cat!', time: '2023-06-10' });
    expect(decisions.map((d) => d.fact.text)).toEqual(['Dana moved to Lisbon in May 2023.', 'Dana adopted a cat.']);
    expect(decisions[0]).toMatchObject({ priorSource: 'llm', prior: { kind: 'UPDATE', index: 0 }, action: { kind: 'UPDATE', index: 0 } });
    expect(decisions[0]!.op.after!.text).toBe('Dana lived in Porto and moved to Lisbon in May 2023.');
    expect(decisions[1]!.op.kind).toBe('ADD');
    expect(await store.count()).toBe(2);
  });

  it('an unusable LLM answer becomes a NOOP prior with its reason, never an error', async () => {
    const garbled = new ScriptedChatModel([{ when: /<fact>/, reply: '{"event": "UPDATE", "id": "99", "text": "x"' }]);
    const { store, manager } = await setup(undefined, garbled);
    await store.add({ text: 'Eli plays the cello.', subject: 'Eli' });
    const [decision] = await manager.ingest({ subject: 'Eli', text: 'Eli plays the violin now.', facts: ['Eli plays the violin now.'] });
    expect(decision).toMatchObject({ priorSource: 'llm', prior: { kind: 'NOOP' } });
    expect(decision!.priorReason).toMatch(/./);
    expect(decision!.op.kind).toBe('NOOP');
  });
});
