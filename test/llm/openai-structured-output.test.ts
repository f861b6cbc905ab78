// Structured output on OpenAI-compatible servers (issue 16): the agents' JSON formats go out as
// `response_format: json_schema`; a server that refuses the field still answers (the plain prompt,
// once more), and later calls to it skip the schema. Real HTTP on 127.0.0.1 against the fake server.
import { afterEach, describe, expect, it } from 'vitest';
import { answerFormat, factsFormat, updateDecisionFormat } from '../../models/agents/output-formats.js';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { OpenAiChatModel } from '../../models/llm/openai-chat.js';
import { startOpenAiChatServer, type OpenAiChatServer } from '../helpers/openai-chat-server.js';

const ASK: ChatMessage[] = [{ role: 'user', content: 'Remember: I have a dog.' }];
const FACTS = '{"facts": ["Ana has a dog."]}';

let server: OpenAiChatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(model: string, refuseResponseFormat: boolean): Promise<OpenAiChatModel> {
  server = await startOpenAiChatServer({ models: [model], reply: () => FACTS, refuseResponseFormat });
  return OpenAiChatModel.connect({ baseUrl: server.baseUrl, model });
}

describe('structured output on OpenAI-compatible servers', () => {
  it('sends the format as response_format with its name, schema and strictness', async () => {
    const model = await serve('schema-taker', false);
    const reply = await model.generate(ASK, { format: factsFormat() });
    expect(reply.text).toBe(FACTS);
    const decision = updateDecisionFormat(2);
    await model.generate(ASK, { format: decision });
    const [facts, update] = server!.chatRequests().map((r) => r.body?.response_format);
    expect(facts).toEqual({ type: 'json_schema', json_schema: { name: 'memory_facts', schema: (factsFormat() as { schema: unknown }).schema, strict: true } });
    expect(facts).toMatchObject({ json_schema: { schema: { type: 'object', required: ['facts'], additionalProperties: false } } });
    // The decision's root is a choice of two shapes: not OpenAI-strict, but the ids offered are in it.
    expect(update).toMatchObject({ json_schema: { name: 'memory_update_decision', strict: false } });
    expect(JSON.stringify(update)).toContain('"enum":["0","1"]');
  });

  it('sends no response_format without a format, or for a grammar (the answer form)', async () => {
    const model = await serve('plain', false);
    await model.generate(ASK);
    await model.generate(ASK, { format: answerFormat() });
    expect(server!.chatRequests().map((r) => r.body && 'response_format' in r.body)).toEqual([false, false]);
  });

  it('falls back to the plain prompt when a server answers 400 to response_format, and remembers it for that server and model', async () => {
    const model = await serve('schema-refuser', true);
    const first = await model.generate(ASK, { format: factsFormat() });
    expect(first.text).toBe(FACTS);
    const second = await model.generate(ASK, { format: factsFormat() });
    expect(second.text).toBe(FACTS);
    const sent = server!.chatRequests().map((r) => r.body && 'response_format' in r.body);
    // The refused request, its plain retry, then straight to the plain prompt.
    expect(sent).toEqual([true, false, false]);
  });

  it('still reports a 400 that is not about the schema', async () => {
    server = await startOpenAiChatServer({ models: ['other'], reply: () => FACTS, faults: { failFirst: Infinity, failStatus: 400 } });
    const model = await OpenAiChatModel.connect({ baseUrl: server.baseUrl, model: 'other' });
    await expect(model.generate(ASK)).rejects.toThrow(/HTTP 400/);
    expect(server.chatRequests()).toHaveLength(1);
  });
});
