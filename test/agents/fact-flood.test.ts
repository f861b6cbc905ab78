// No memory floods (issue 16): one pasted message that a model turns into 50 facts, 9 of them exact
// copies of memories already stored and 5 near-exact repeats of each other, leaves at most
// FACTS_PER_TURN decisions; the copies are NOOPs decided before the LLM is asked, the repeats are
// merged (exact ones by the parser, near-exact ones by the flood filter), and what was dropped is reported.
import { describe, expect, it } from 'vitest';
import { FACTS_PER_TURN, factKey, filterFlood, restatedMemory, type FloodFilter } from '../../models/agents/fact-flood.js';
import { MANAGER_FEATURE_DIM } from '../../models/agents/manager-state.js';
import { MemoryManager } from '../../models/agents/memory-manager.js';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { ScriptedChatModel } from '../../models/llm/scripted-model.js';
import { MemoryStore } from '../../models/memory/store.js';
import { CategoricalPolicy } from '../../models/rl/categorical-policy.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('fact keys and the flood filter', () => {
  it('treats case, punctuation and spacing as the same words, and other words as another fact', () => {
    expect(factKey('Caroline likes  tea.')).toBe(factKey('caroline likes tea'));
    expect(factKey('Caroline likes tea!')).toBe(factKey('CAROLINE, likes tea'));
    expect(factKey('Caroline likes green tea.')).not.toBe(factKey('Caroline likes tea.'));
  });

  it('merges repeats, keeps the first FACTS_PER_TURN facts in order and reports the rest', () => {
    const facts = Array.from({ length: 20 }, (_, i) => `Fact number ${i}.`);
    const filtered = filterFlood([facts[0]!, 'fact number 0', ...facts.slice(1)]);
    expect(filtered.facts).toEqual(facts.slice(0, FACTS_PER_TURN));
    expect(filtered.repeats).toEqual(['fact number 0']);
    expect(filtered.overCap).toEqual(facts.slice(FACTS_PER_TURN));
  });

  it('finds the memory a fact restates', () => {
    const memories = [{ id: 'a', text: 'Jon runs a dance studio.' }, { id: 'b', text: 'Jon is allergic to cats.' }];
    expect(restatedMemory('jon is allergic to cats', memories)?.id).toBe('b');
    expect(restatedMemory('Jon is allergic to dogs.', memories)).toBeUndefined();
  });
});

describe('one pasted message that yields 50 facts', () => {
  const existing = Array.from({ length: 9 }, (_, i) => `Ana keeps old memory number ${i + 1}.`);
  const fresh = Array.from({ length: 36 }, (_, i) => `Ana mentioned new detail number ${i + 1}.`);
  // The 9 copies first (a pasted message repeats what was said before), then new facts, with 5 near-exact repeats among them.
  const repeats = [existing[0]!.toLowerCase(), existing[1]!.replace('.', ''), `  ${fresh[0]}`, fresh[1]!.toUpperCase(), fresh[2]!.replace('.', '!')];
  const extracted = [...existing, ...fresh.slice(0, 3), ...repeats, ...fresh.slice(3)];

  it('holds the turn to FACTS_PER_TURN decisions, NOOPs the 9 copies without asking the LLM, and reports the rest', async () => {
    expect(extracted).toHaveLength(50);
    await ensureTfBackend();
    const embedder = await realEmbedder();
    const store = await MemoryStore.open({ uri: tempDir(), embedder });
    for (const text of existing) await store.add({ text, subject: 'Ana' });

    const decisionPrompts: string[] = [];
    const llm = new ScriptedChatModel([
      { when: /<conversation>/, reply: JSON.stringify({ facts: extracted }) },
      {
        when: (messages: readonly ChatMessage[]) => messages.some((m) => m.content.includes('<fact>')),
        reply: (messages) => {
          decisionPrompts.push(messages.at(-1)!.content);
          return '{"event": "ADD", "text": "-"}';
        },
      },
    ]);
    const reports: Array<{ filtered: FloodFilter; parserNote: string | undefined }> = [];
    const onFloodFiltered = (filtered: FloodFilter, _turn: unknown, parserNote: string | undefined) => reports.push({ filtered, parserNote });
    const manager = new MemoryManager({ store, embedder, llm, policy: CategoricalPolicy.create(MANAGER_FEATURE_DIM), policyVersion: 'test', onFloodFiltered });

    const decisions = await manager.ingest({ subject: 'Ana', text: 'a long pasted message', turnId: 'flood' });

    expect(decisions).toHaveLength(FACTS_PER_TURN);
    const copies = decisions.slice(0, 9);
    for (const [i, copy] of copies.entries()) {
      expect(copy.op.kind).toBe('NOOP');
      expect(copy.priorReason).toMatch(/^restates memory /);
      expect(copy.related.map((m) => m.text)).toContain(existing[i]);
    }
    // The LLM was asked only about the three new facts that fit in the turn.
    expect(decisionPrompts).toHaveLength(3);
    for (const [i, prompt] of decisionPrompts.entries()) expect(prompt).toContain(fresh[i]);
    expect(decisions.slice(9).map((d) => d.op.kind)).toEqual(['ADD', 'ADD', 'ADD']);
    expect(await store.count()).toBe(9 + 3);

    expect(reports).toHaveLength(1);
    const [{ filtered, parserNote }] = reports as [(typeof reports)[number]];
    // Same text but for case or spaces: the parser; other punctuation: the flood filter.
    expect(parserNote).toBe('dropped 3 duplicates');
    expect(filtered.repeats).toEqual([repeats[1], repeats[4]]);
    expect(filtered.overCap).toEqual(fresh.slice(3));
    await store.close();
  });
});
