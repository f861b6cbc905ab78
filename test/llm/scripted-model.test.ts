import { describe, expect, it } from 'vitest';
import { ScriptedChatModel } from '../../models/llm/scripted-model.js';

const model = new ScriptedChatModel([
  { when: /my name is (\w+)/i, reply: (_m, match) => `Nice to meet you, ${match![1]}!` },
  { when: (messages) => messages.some((m) => m.role === 'system' && m.content.includes('JSON')), reply: '{"facts": ["likes tea"]} END extra' },
]);

describe('ScriptedChatModel (the test-only model)', () => {
  it('answers from the first matching rule, streaming word by word', async () => {
    const chunks: string[] = [];
    for await (const chunk of model.stream([{ role: 'user', content: 'Hi, my name is Ada' }])) chunks.push(chunk.text);
    expect(chunks).toEqual(['Nice', ' to', ' meet', ' you,', ' Ada!']);
  });

  it('honours stop strings, max tokens, log-probabilities and the fallback', async () => {
    const json = await model.generate([{ role: 'system', content: 'answer in JSON' }, { role: 'user', content: 'x' }], { stop: [' END'] });
    expect(json).toMatchObject({ text: '{"facts": ["likes tea"]}', finishReason: 'stop' });
    const short = await model.generate([{ role: 'user', content: 'my name is Bob' }], { maxTokens: 2, logprobs: true });
    expect(short).toMatchObject({ text: 'Nice to', finishReason: 'length' });
    expect(short.tokens.every((t) => t.logprob === -0.1)).toBe(true);
    expect((await model.generate([{ role: 'user', content: '???' }])).text).toBe('I have no scripted answer for that.');
    expect(model.info).toMatchObject({ id: 'scripted:rules', backend: 'scripted' });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const chunks: string[] = [];
    for await (const chunk of model.stream([{ role: 'user', content: 'my name is Eve' }], { signal: controller.signal })) {
      chunks.push(chunk.text);
      controller.abort();
    }
    expect(chunks).toEqual(['Nice']);
    expect((await model.generate([{ role: 'user', content: 'my name is Eve' }], { signal: AbortSignal.abort() })).finishReason).toBe('abort');
  });
});
