import { describe, expect, it } from 'vitest';
import { AnswerAgent } from '../../models/agents/answer-agent.js';
import { ANSWER_FEATURE_DIM } from '../../models/agents/answer-state.js';
import { cosine } from '../../models/embed/embedder.js';
import { ScriptedChatModel } from '../../models/llm/scripted-model.js';
import { MemoryStore } from '../../models/memory/store.js';
import { BernoulliPolicy } from '../../models/rl/bernoulli-policy.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function storeWith(memories: Array<{ text: string; subject: string; event_time?: string }>): Promise<MemoryStore> {
  await ensureTfBackend();
  const store = await MemoryStore.open({ uri: tempDir(), embedder: await realEmbedder() });
  await store.addMany(memories);
  return store;
}

describe('AnswerAgent on a real store', () => {
  it('retrieval-only: distils the candidates with the prior policy (the 8 best retrieved) and returns the kept memories', async () => {
    const store = await storeWith(Array.from({ length: 12 }, (_, i) => ({ text: `Gina note ${i}: ${i % 2 ? 'she opened a clothing store' : 'she likes dance'}.`, subject: 'Gina' })));
    const agent = new AnswerAgent({ store, embedder: await realEmbedder(), policy: BernoulliPolicy.create(ANSWER_FEATURE_DIM) });
    const result = await agent.answer('What store did Gina open?');
    expect(result.candidates).toHaveLength(12);
    // The zero-shot prior's keep logit follows the fused retrieval score, so its 8 best are the 8 best retrieved.
    expect(result.kept).toEqual(result.candidates.slice(0, 8));
    expect(result.mask.filter(Boolean)).toHaveLength(8);
    // Ranked by hybrid (vector + BM25) search; each score is the candidate's cosine to the question.
    const [question] = await (await realEmbedder()).embed(['What store did Gina open?']);
    result.candidates.forEach((memory, i) => expect(result.scores[i]).toBeCloseTo(cosine(question!, memory.vector), 5));
    expect(result.candidates[0]!.text).toMatch(/clothing store/);
    expect(result.answer).toBeUndefined();
    await store.close();
  });

  it('takes 30 candidates per subject when given two subjects, as the paper does, and 45 + 15 when the question names one', async () => {
    const store = await storeWith([
      ...Array.from({ length: 40 }, (_, i) => ({ text: `Caroline memory ${i} about art and family.`, subject: 'Caroline' })),
      ...Array.from({ length: 40 }, (_, i) => ({ text: `Melanie memory ${i} about running and pottery.`, subject: 'Melanie' })),
    ]);
    const agent = new AnswerAgent({ store, embedder: await realEmbedder(), policy: BernoulliPolicy.create(ANSWER_FEATURE_DIM), subjects: ['Caroline', 'Melanie'] });
    const result = await agent.distil('What do they do on weekends?');
    expect(result.candidates).toHaveLength(60);
    expect(result.candidates.filter((m) => m.subject === 'Caroline')).toHaveLength(30);
    const named = await agent.distil('What does Melanie do?');
    expect(named.candidates.filter((m) => m.subject === 'Caroline')).toHaveLength(15);
    expect(named.candidates.filter((m) => m.subject === 'Melanie')).toHaveLength(40); // all she has, under her 45
    await store.close();
  });

  it('answers with the LLM from the kept memories only, in the paper format', async () => {
    const store = await storeWith([
      { text: 'Jon opened a dance studio in 2023.', subject: 'Jon', event_time: '2023-01-20' },
      { text: 'Jon lost his banking job.', subject: 'Jon' },
      { text: 'Gina sells clothes online.', subject: 'Gina' },
      { text: 'Gina has a dog.', subject: 'Gina' },
      { text: 'Gina visited Rome.', subject: 'Gina' },
    ]);
    const prompts: string[] = [];
    const llm = new ScriptedChatModel([
      {
        when: (messages) => {
          prompts.push(messages.map((m) => m.content).join('\n'));
          return true;
        },
        reply: 'Relevant memories:\n- 20 January, 2023: Jon opened a dance studio in 2023.\n**Answer:** A dance studio',
      },
    ]);
    const agent = new AnswerAgent({ store, embedder: await realEmbedder(), policy: BernoulliPolicy.create(ANSWER_FEATURE_DIM), llm, keep: 2 });
    const result = await agent.answer('What did Jon open?');
    expect(result.kept).toHaveLength(2);
    expect(result.answer).toBe('A dance studio');
    expect(result.selected).toEqual(['20 January, 2023: Jon opened a dance studio in 2023.']);
    const dropped = result.candidates.filter((m) => !result.kept.includes(m));
    expect(dropped.length).toBeGreaterThan(0);
    for (const memory of dropped) expect(prompts[0]).not.toContain(memory.text);
    for (const memory of result.kept) expect(prompts[0]).toContain(memory.text);
    await store.close();
  });
});
