import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { ClientKeys } from '../../models/api/client-keys.js';
import { startWebServer, type WebServer } from '../../models/api/http-server.js';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { OpenAiChatModel } from '../../models/llm/openai-chat.js';
import { call, lastUser, operationsFrom, scriptedAssistantModel, SCRIPTED_REPLY, upstreamAgentReply } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { startOpenAiChatServer, type OpenAiChatServer } from '../helpers/openai-chat-server.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { rawRequest } from '../helpers/web-client.js';

const tempDir = useTempDirs();
const UPSTREAM_MODEL = 'upstream-8b';
const UPSTREAM_REPLY = 'Your dog is called Rex, and Lisbon sounds lovely.';

/** The upstream server's model: the agents' prompts answered by the scripted rules, anything else with `UPSTREAM_REPLY`. */
const upstreamReply = upstreamAgentReply(UPSTREAM_REPLY);

interface Running {
  assistant: Assistant;
  server: WebServer;
  client: OpenAI;
  upstream?: OpenAiChatServer;
}
const running: Running[] = [];

afterEach(async () => {
  for (const { assistant, server, upstream } of running.splice(0)) {
    await server.close();
    await assistant.close();
    await upstream?.close();
  }
});

/** The app in web mode with a chat model, a client key for "webui", and the official OpenAI client pointed at the proxy. */
async function startProxy(model: 'upstream' | 'local', faults?: { tokenDelayMs?: number }): Promise<Running & { profile: string }> {
  const profile = tempDir();
  const upstream = model === 'upstream' ? await startOpenAiChatServer({ models: [UPSTREAM_MODEL], reply: upstreamReply, ...(faults ? { faults } : {}) }) : undefined;
  const chatModel = upstream ? await OpenAiChatModel.connect({ baseUrl: upstream.baseUrl, model: UPSTREAM_MODEL }) : scriptedAssistantModel();
  const assistant = await Assistant.open({ profileDir: profile, embedder: await realEmbedder(), chatModel });
  const server = await startWebServer({ assistant, proxy: assistant.proxyOptions() });
  const key = await new ClientKeys(join(profile, 'clients.json')).add('webui');
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${server.port}/v1`, apiKey: key, maxRetries: 0 });
  const run = { assistant, server, client, ...(upstream ? { upstream } : {}) };
  running.push(run);
  return { ...run, profile };
}


describe('the OpenAI-compatible memory proxy, driven by the official openai client', () => {
  it('recalls memories into a system message, forwards every field to the server, and reviews what the user said', async () => {
    const { assistant, client, upstream } = await startProxy('upstream');
    await call(assistant, 'memory.add', { text: 'The user has a dog called Rex.', subject: 'user' });

    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['memr1']);
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const reply = await client.chat.completions.create({ model: 'memr1', messages: [{ role: 'user', content: 'What is my dog called? By the way, I moved to Lisbon in May.' }], tools, temperature: 0.3 });
    expect(reply.choices[0]!.message.content).toBe(UPSTREAM_REPLY);

    const sent = upstream!.chatRequests().find((r) => lastUser((r.body?.messages ?? []) as ChatMessage[]).startsWith('What is my dog'))!.body!;
    expect(sent).toMatchObject({ model: UPSTREAM_MODEL, tools, temperature: 0.3 });
    const [system, user] = sent.messages as ChatMessage[];
    expect(system).toMatchObject({ role: 'system' });
    expect(system!.content).toContain('<memories>');
    expect(system!.content).toContain('The user has a dog called Rex.');
    expect(user).toEqual({ role: 'user', content: 'What is my dog called? By the way, I moved to Lisbon in May.' });

    // Afterwards the Memory Manager reads the message; its operation waits in Review as the client's.
    const ops = await operationsFrom(assistant, 'proxy:webui/');
    expect(ops.map((op) => [op.kind, op.after?.text, op.origin, op.status])).toEqual([['ADD', 'The user lives in Lisbon.', 'proxy:webui/manager@prior', 'applied']]);
  });

  it('streams the server\'s reply through, and a client that aborts mid-stream stops the server\'s generation', async () => {
    const { assistant, client, upstream } = await startProxy('upstream', { tokenDelayMs: 40 });
    const stream = await client.chat.completions.create({ model: 'memr1', stream: true, messages: [{ role: 'user', content: 'Tell me a short story.' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(UPSTREAM_REPLY);

    const controller = new AbortController();
    const aborted = await client.chat.completions.create({ model: 'memr1', stream: true, messages: [{ role: 'user', content: 'Hello again, I moved to Lisbon in May.' }] }, { signal: controller.signal });
    let chunks = 0;
    // The client ends the iteration (or throws an abort error, depending on where the abort lands).
    await (async () => {
      for await (const chunk of aborted) {
        if (chunk.choices[0]?.delta?.content && ++chunks === 2) controller.abort();
      }
    })().catch((error: unknown) => {
      if (!/abort/i.test(String(error))) throw error;
    });
    expect(chunks).toBe(2);
    const last = upstream!.chatRequests().find((r) => lastUser((r.body?.messages ?? []) as ChatMessage[]).startsWith('Hello again'))!;
    await expect.poll(() => last.closedEarly, { timeout: 5_000 }).toBe(true);
    expect(last.tokensSent).toBeLessThan(UPSTREAM_REPLY.split(' ').length);
    // What the user said still reaches the Memory Manager.
    expect((await operationsFrom(assistant, 'proxy:webui/')).map((op) => op.after?.text)).toEqual(['The user lives in Lisbon.']);
  });

  it('answers from a local model in OpenAI\'s format, whole and streamed, and refuses tools it cannot run', async () => {
    const { assistant, client } = await startProxy('local');
    await call(assistant, 'memory.add', { text: 'The user has a dog called Rex.', subject: 'user' });
    const whole = await client.chat.completions.create({ model: 'anything', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi there' }] });
    expect(whole).toMatchObject({ object: 'chat.completion', model: 'memr1', choices: [{ message: { role: 'assistant', content: SCRIPTED_REPLY }, finish_reason: 'stop' }] });
    const stream = await client.chat.completions.create({ model: 'anything', stream: true, messages: [{ role: 'user', content: 'Hi there' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(SCRIPTED_REPLY);
    const tools = [{ type: 'function' as const, function: { name: 'f', parameters: { type: 'object' } } }];
    await expect(client.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }], tools })).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/no tools/) });
  });

  it('refuses a missing, unknown or removed key, and a body that is not a chat request', async () => {
    const { server, client, profile } = await startProxy('local');
    const base = `http://127.0.0.1:${server.port}/v1`;
    await expect(new OpenAI({ baseURL: base, apiKey: 'memr1-not-a-key', maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401 });
    expect((await fetch(`${base}/models`)).status).toBe(401);
    // The page's own token is not a client key.
    expect((await fetch(`${base}/models`, { headers: { authorization: `Bearer ${server.token}` } })).status).toBe(401);
    await expect(client.chat.completions.create({ model: 'x', messages: [] })).rejects.toMatchObject({ status: 400 });

    await new ClientKeys(join(profile, 'clients.json')).remove('webui');
    await expect(client.models.list()).rejects.toMatchObject({ status: 401 });
  });

  it("follows the tool's switches in Settings: read-only recalls but never remembers, off is refused with where to turn it on", async () => {
    const { assistant, server, client } = await startProxy('local');
    await client.chat.completions.create({ model: 'memr1', messages: [{ role: 'user', content: 'Hello' }] });
    expect((await call(assistant, 'mcp.clients', {})).items).toEqual([expect.objectContaining({ name: 'webui', enabled: true, access: 'read-write' })]);

    await call(assistant, 'mcp.configure_client', { name: 'webui', access: 'read-only' });
    const reply = await client.chat.completions.create({ model: 'memr1', messages: [{ role: 'user', content: 'By the way, I moved to Lisbon in May.' }] });
    expect(reply.choices[0]!.message.content).toBe(SCRIPTED_REPLY);
    await server.close(); // waits for any Memory Manager run the proxy started
    expect((await call(assistant, 'ops.list', {})).items.filter((op) => op.origin.startsWith('proxy:'))).toEqual([]);

    await call(assistant, 'mcp.configure_client', { name: 'webui', enabled: false });
    const again = await startWebServer({ assistant, proxy: assistant.proxyOptions() });
    try {
      const off = new OpenAI({ baseURL: `http://127.0.0.1:${again.port}/v1`, apiKey: client.apiKey, maxRetries: 0 });
      await expect(off.chat.completions.create({ model: 'memr1', messages: [{ role: 'user', content: 'Hello' }] })).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/turned off for "webui".*Settings/) });
    } finally {
      await again.close();
    }
  });

  it('answers malformed requests with a clean 4xx in OpenAI\'s error shape, and keeps serving', async () => {
    const { server, client } = await startProxy('local');
    const headers = { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' };
    const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const malformed: Array<{ what: string; path?: string; method?: string; headers?: Record<string, string>; body: string | Buffer }> = [
      { what: 'not JSON', body: '{"messages": [' },
      { what: 'no messages', body: JSON.stringify({ model: 'memr1' }) },
      { what: 'messages not a list', body: JSON.stringify({ messages: 'hi' }) },
      { what: 'a message without a role', body: JSON.stringify({ messages: [{ content: 'hi' }] }) },
      { what: 'a temperature out of range', body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], temperature: 9 }) },
      { what: 'a tool result for a local model', body: JSON.stringify({ messages: [{ role: 'tool', content: '42', tool_call_id: 'c1' }] }) },
      { what: 'deeply nested JSON', body: deep },
      { what: 'a form post', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'messages=hi' },
      { what: 'over 8 MB', body: JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(8 * 1024 * 1024) }] }) },
      { what: 'broken UTF-8', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
      { what: 'a GET of completions', method: 'GET', body: '' },
      { what: 'an unknown path', path: '/v1/embeddings', body: '{}' },
    ];
    for (const request of malformed) {
      const response = await rawRequest(server.port, { path: request.path ?? '/v1/chat/completions', ...(request.method ? { method: request.method } : {}), headers: { ...headers, ...request.headers }, body: request.body });
      expect(response.status, request.what).toBeGreaterThanOrEqual(400);
      expect(response.status, request.what).toBeLessThan(500);
      expect(JSON.parse(response.body), `${request.what}: ${response.body}`).toMatchObject({ error: { message: expect.any(String), code: expect.any(String) } });
    }
    // A body that tries to pollute prototypes is a request like any other, and pollutes nothing.
    const polluting = '{"messages": [{"role": "user", "content": "hi"}], "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}';
    expect((await rawRequest(server.port, { path: '/v1/chat/completions', headers, body: polluting })).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const reply = await client.chat.completions.create({ model: 'memr1', messages: [{ role: 'user', content: 'Hi' }] });
    expect(reply.choices[0]!.message.content).toBe(SCRIPTED_REPLY);
  });
});
