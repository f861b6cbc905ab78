import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { ClientKeys } from '../../models/api/client-keys.js';
import { startWebServer, type WebServer } from '../../models/api/http-server.js';
import type { ChatEvent } from '../../models/contract/schemas.js';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { OpenAiChatModel } from '../../models/llm/openai-chat.js';
import { call, lastUser, operationsFrom, scriptedAssistantModel, streamEvents, upstreamAgentReply } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { startOpenAiChatServer, type OpenAiChatServer } from '../helpers/openai-chat-server.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { callTool, toolValue, type OperationFacts } from '../mcp/mcp-client.js';

const tempDir = useTempDirs();
const MODEL = 'upstream-8b';
const REX = 'The user has a dog called Rex.';
const LISBON = 'The user lives in Lisbon.';


const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The app in web mode on an OpenAI-compatible upstream (so what the proxy sends it can be read), with /mcp and /v1. */
async function app(): Promise<{ assistant: Assistant; server: WebServer; upstream: OpenAiChatServer; profile: string }> {
  const profile = tempDir();
  const upstream = await startOpenAiChatServer({ models: [MODEL], reply: upstreamAgentReply('Noted.') });
  cleanups.push(() => upstream.close());
  const assistant = await Assistant.open({ profileDir: profile, embedder: await realEmbedder(), chatModel: await OpenAiChatModel.connect({ baseUrl: upstream.baseUrl, model: MODEL }) });
  cleanups.push(() => assistant.close());
  const server = await startWebServer({ assistant, proxy: assistant.proxyOptions(), staticDir: tempDir() });
  cleanups.push(() => server.close());
  return { assistant, server, upstream, profile };
}

async function chat(assistant: Assistant, input: { text: string; session_id?: string; scope?: string }) {
  const events = (await streamEvents(assistant, 'chat.send', input)) as ChatEvent[];
  const pick = <T extends ChatEvent['type']>(type: T) => events.find((e): e is Extract<ChatEvent, { type: T }> => e.type === type)!;
  return { recalled: pick('memories').memories.map((m) => m.text), operations: pick('operations').operations, sessionId: (await call(assistant, 'chat.sessions', {})).items[0]!.session_id };
}

async function mcpClient(server: WebServer, name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${server.mcpToken}` } } }));
  cleanups.push(() => client.close());
  return client;
}


describe('scopes: what is told in one project never comes up in another', () => {
  it('through the chat: a fact told in project Atlas is recalled in Atlas chats only, and the manager files it there', async () => {
    const { assistant } = await app();
    const told = await chat(assistant, { text: 'I have a dog called Rex.', scope: 'Atlas' });
    expect(told.operations.map((op) => [op.kind, op.after?.text, op.after?.scope, op.scope])).toEqual([['ADD', REX, 'Atlas', 'Atlas']]);

    // A personal chat neither recalls it nor lets its manager see it: the same fact told there is a new personal memory, not a NOOP on Atlas's.
    const personal = await chat(assistant, { text: 'What is my dog called?' });
    expect(personal.recalled).toEqual([]);
    const retold = await chat(assistant, { text: 'I have a dog called Rex.' });
    expect(retold.operations.map((op) => [op.kind, op.scope])).toEqual([['ADD', 'personal']]);

    const atlas = await chat(assistant, { text: 'What is my dog called?', scope: 'Atlas' });
    expect(atlas.recalled).toEqual([REX]);
    // A conversation keeps its scope: the chat's history says it, and asking for another one is refused.
    expect((await call(assistant, 'chat.history', { session_id: atlas.sessionId })).scope).toBe('Atlas');
    expect((await call(assistant, 'chat.sessions', {})).items.find((s) => s.session_id === atlas.sessionId)).toMatchObject({ scope: 'Atlas' });
    const refused = await streamEvents(assistant, 'chat.send', { text: 'And my cat?', session_id: atlas.sessionId, scope: 'personal' });
    expect(refused).toEqual([{ type: 'error', code: 'CONFLICT', message: expect.stringContaining('"Atlas"') }]);
    expect((await call(assistant, 'chat.history', { session_id: atlas.sessionId })).messages.map((m) => m.text)).not.toContain('And my cat?');

    expect((await call(assistant, 'memory.scopes', {})).items).toEqual([
      { scope: 'personal', memories: 1 },
      { scope: 'Atlas', memories: 1 },
    ]);
    expect((await call(assistant, 'memory.list', { scope: 'Atlas' })).items.map((m) => [m.text, m.scope])).toEqual([[REX, 'Atlas']]);
    expect((await call(assistant, 'memory.search', { query: 'dog', scope: 'personal' })).items.map((h) => h.memory.scope)).toEqual(['personal']);
  });

  it('a conversation from before scopes is personal: filed at its next turn, and another scope for it is refused', async () => {
    const { assistant, profile } = await app();
    const { sessionId } = await chat(assistant, { text: 'I have a dog called Rex.' });
    await assistant.close();
    // What an older release left: the conversation's lines without a scope entry.
    const log = join(profile, 'conversations.jsonl');
    writeFileSync(log, readFileSync(log, 'utf8').split('\n').filter((line) => !line.includes('"type":"scope"')).join('\n'));
    const reopened = await Assistant.open({ profileDir: profile, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
    cleanups.push(() => reopened.close());
    expect((await call(reopened, 'chat.history', { session_id: sessionId })).scope).toBe('personal');
    expect(await streamEvents(reopened, 'chat.send', { text: 'And my cat?', session_id: sessionId, scope: 'Atlas' })).toEqual([
      { type: 'error', code: 'CONFLICT', message: expect.stringContaining('"personal"') },
    ]);
    const entries = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string; session_id?: string; scope?: string });
    expect(entries.filter((e) => e.type === 'scope')).toEqual([expect.objectContaining({ session_id: sessionId, scope: 'personal' })]);
    expect((await chat(reopened, { text: 'What is my dog called?', session_id: sessionId })).recalled).toEqual([REX]);
  });

  it('through MCP: each tool reads, writes, forgets and sees operations in its own scope only', async () => {
    const { assistant, server } = await app();
    const atlasTool = await mcpClient(server, 'Atlas Tool');
    const homeTool = await mcpClient(server, 'Home Tool');
    await toolValue(atlasTool, 'recent_operations', {}); // its first call lists it in Settings, where the user gives it a scope
    await call(assistant, 'mcp.configure_client', { name: 'Atlas Tool', scope: 'Atlas' });

    const { operations } = await toolValue<{ operations: OperationFacts[] }>(atlasTool, 'remember', { text: 'I have a dog called Rex.' });
    expect(operations).toEqual([expect.objectContaining({ kind: 'ADD', text: REX })]);
    const atlasMemory = operations[0]!.memory_id!;
    expect(await call(assistant, 'memory.get', { id: atlasMemory })).toMatchObject({ scope: 'Atlas' });
    await toolValue(homeTool, 'remember', { text: 'I moved to Lisbon in May.' });

    const search = async (client: Client) => (await toolValue<{ memories: Array<{ text: string }> }>(client, 'search_memories', { query: 'Where do I live, and what is my dog called?' })).memories.map((m) => m.text);
    expect(await search(atlasTool)).toEqual([REX]);
    expect(await search(homeTool)).toEqual([LISBON]);
    const recent = async (client: Client) => (await toolValue<{ operations: OperationFacts[] }>(client, 'recent_operations', {})).operations.map((op) => op.text);
    expect(await recent(homeTool)).toEqual([LISBON]);
    expect(await callTool(homeTool, 'forget', { id: atlasMemory })).toEqual({ ok: false, text: expect.stringMatching(/^NOT_FOUND: .*"personal"/) });
    expect(await call(assistant, 'memory.get', { id: atlasMemory })).toMatchObject({ text: REX });
    const atlasRead = await atlasTool.readResource({ uri: 'memory://subject/user' });
    expect(atlasRead.contents[0]).toMatchObject({ text: expect.not.stringContaining('Lisbon') });
  });

  it("through the proxy: a client's request carries its own scope's memories only, and what it says is remembered there", async () => {
    const { assistant, server, upstream, profile } = await app();
    const keys = new ClientKeys(join(profile, 'clients.json'));
    const openai = async (name: string) => new OpenAI({ baseURL: `http://127.0.0.1:${server.port}/v1`, apiKey: await keys.add(name), maxRetries: 0 });
    const atlasClient = await openai('webui-atlas');
    const homeClient = await openai('webui-home');
    await chat(assistant, { text: 'I have a dog called Rex.', scope: 'Atlas' });
    await atlasClient.models.list();
    await atlasClient.chat.completions.create({ model: 'memr1', messages: [{ role: 'user', content: 'Hello.' }] }); // listed in Settings
    await call(assistant, 'mcp.configure_client', { name: 'webui-atlas', scope: 'Atlas' });

    const systemSent = (question: string) =>
      upstream
        .chatRequests()
        .map((r) => (r.body?.messages ?? []) as ChatMessage[])
        .find((messages) => lastUser(messages) === question)!
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n');
    await homeClient.chat.completions.create({ model: 'memr1', messages: [{ role: 'user', content: 'What is my dog called? I moved to Lisbon.' }] });
    expect(systemSent('What is my dog called? I moved to Lisbon.')).not.toContain('Rex');
    await atlasClient.chat.completions.create({ model: 'memr1', messages: [{ role: 'user', content: 'What is my dog called?' }] });
    expect(systemSent('What is my dog called?')).toContain(REX);

    // The home client's message was remembered in its scope (personal), where Atlas chats never see it.
    const [homeOp] = await operationsFrom(assistant, 'proxy:webui-home/');
    expect(homeOp).toMatchObject({ kind: 'ADD', after: { text: LISBON, scope: 'personal' } });
    expect((await chat(assistant, { text: 'Where do I live?', scope: 'Atlas' })).recalled).not.toContain(LISBON);
  });

  it('moves a memory between scopes, journaled and undoable; exports and imports keep scopes; a temporary chat reads nothing', async () => {
    const { assistant } = await app();
    const added = await call(assistant, 'memory.add', { text: REX, subject: 'user', scope: 'Atlas' });
    const moved = await call(assistant, 'memory.edit', { id: added.memory_id!, scope: 'Zephyr' });
    expect(moved).toMatchObject({ kind: 'UPDATE', before: { scope: 'Atlas' }, after: { scope: 'Zephyr', text: REX }, scope: 'Zephyr' });
    expect((await call(assistant, 'memory.list', { scope: 'Atlas' })).total).toBe(0);
    await call(assistant, 'memory.undo', { op_id: moved.op_id });
    expect(await call(assistant, 'memory.get', { id: added.memory_id! })).toMatchObject({ scope: 'Atlas' });
    expect(await assistant.dispatch('memory.edit', { id: added.memory_id!, scope: "Atlas'; DROP" })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });

    const temporary = (await streamEvents(assistant, 'chat.send', { text: 'What is my dog called?', temporary: true, scope: 'Atlas' })) as ChatEvent[];
    expect(temporary.find((e) => e.type === 'memories')).toMatchObject({ memories: [] });

    const { content } = await call(assistant, 'memory.export', { format: 'json' });
    await call(assistant, 'memory.clear', {});
    expect(await call(assistant, 'memory.import', { content })).toEqual({ imported: 1 });
    expect((await call(assistant, 'memory.list', {})).items.map((m) => [m.text, m.scope])).toEqual([[REX, 'Atlas']]);
    expect((await call(assistant, 'memory.export', { format: 'markdown' })).content).toContain('_(scope: Atlas)_');
  });
});
