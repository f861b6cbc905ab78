import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { startWebServer, type WebServer } from '../../models/api/http-server.js';
import { call } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { rawRequest } from '../helpers/web-client.js';
import { callTool, toolValue, type OperationFacts } from './mcp-client.js';

const tempDir = useTempDirs();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function webMode(): Promise<{ assistant: Assistant; server: WebServer }> {
  const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder() });
  cleanups.push(() => assistant.close());
  const server = await startWebServer({ assistant, staticDir: tempDir() });
  cleanups.push(() => server.close());
  return { assistant, server };
}

async function connect(server: WebServer, name: string, token = server.mcpToken): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  cleanups.push(() => client.close());
  return client;
}

describe('MCP over streamable HTTP in web mode (/mcp, the SDK client)', () => {
  it('lists the tools, remembers, searches, lists operations, forgets (undoably), and reads a subject resource', async () => {
    const { assistant, server } = await webMode();
    const client = await connect(server, 'Test Host');
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['forget', 'recent_operations', 'remember', 'search_memories']);

    const { operations } = await toolValue<{ operations: OperationFacts[] }>(client, 'remember', { text: 'My sister Ana lives in Oslo.' });
    expect(operations).toEqual([expect.objectContaining({ kind: 'ADD', text: 'My sister Ana lives in Oslo.', origin: 'mcp:Test Host/manager@prior', status: 'applied' })]);
    const memoryId = operations[0]!.memory_id!;
    // The write is in Review, under the client's name.
    const review = await call(assistant, 'ops.list', { status: 'applied' });
    expect(review.items.find((op) => op.op_id === operations[0]!.op_id)).toMatchObject({ origin: 'mcp:Test Host/manager@prior' });

    const found = await toolValue<{ memories: Array<{ id: string; text: string; subject: string; event_time: string | null }> }>(client, 'search_memories', { query: 'Where does Ana live?' });
    expect(found.memories).toContainEqual({ id: memoryId, text: 'My sister Ana lives in Oslo.', subject: 'user', event_time: expect.any(String) });

    const recent = await toolValue<{ operations: OperationFacts[] }>(client, 'recent_operations', { limit: 5 });
    expect(recent.operations.map((op) => op.op_id)).toContain(operations[0]!.op_id);

    const resources = await client.listResources();
    expect(resources.resources.map((r) => r.uri)).toEqual(['memory://subject/user']);
    const read = await client.readResource({ uri: 'memory://subject/user' });
    expect(read.contents[0]).toMatchObject({ uri: 'memory://subject/user', text: expect.stringContaining(`My sister Ana lives in Oslo. (id ${memoryId})`) });

    const forgot = await toolValue<OperationFacts>(client, 'forget', { id: memoryId });
    expect(forgot).toMatchObject({ kind: 'DELETE', memory_id: memoryId, origin: 'mcp:Test Host', status: 'applied' });
    expect((await call(assistant, 'memory.list', {})).total).toBe(0);
    await call(assistant, 'memory.undo', { op_id: forgot.op_id });
    expect(await call(assistant, 'memory.get', { id: memoryId })).toMatchObject({ text: 'My sister Ana lives in Oslo.' });
  });

  it("turns the API's errors into tool errors with their code, and bad arguments into a clean refusal", async () => {
    const { server } = await webMode();
    const client = await connect(server, 'Test Host');
    expect(await callTool(client, 'forget', { id: 'no-such-memory' })).toEqual({ ok: false, text: expect.stringMatching(/^NOT_FOUND: /) });
    expect(await callTool(client, 'search_memories', { query: '' })).toEqual({ ok: false, text: expect.stringMatching(/query/i) });
  });

  it("lists each client in Settings, and holds it to the user's switches: read-only refuses writes, off refuses everything, with a sentence that says where to change it", async () => {
    const { assistant, server } = await webMode();
    const client = await connect(server, 'Switch Host');
    await toolValue(client, 'remember', { text: 'I keep bees in the garden.' });
    expect((await call(assistant, 'mcp.clients', {})).items).toEqual([
      { name: 'Switch Host', enabled: true, access: 'read-write', scope: 'personal', first_seen: expect.any(String), last_seen: expect.any(String) },
    ]);

    await call(assistant, 'mcp.configure_client', { name: 'Switch Host', access: 'read-only' });
    expect(await callTool(client, 'remember', { text: 'I also keep hens.' })).toEqual({ ok: false, text: expect.stringMatching(/^CONFLICT: "Switch Host" may only read this memory \(Settings/) });
    expect(await callTool(client, 'forget', { id: 'any' })).toEqual({ ok: false, text: expect.stringMatching(/may only read/) });
    const found = await toolValue<{ memories: Array<{ text: string }> }>(client, 'search_memories', { query: 'bees' });
    expect(found.memories.map((m) => m.text)).toEqual(['I keep bees in the garden.']);

    await call(assistant, 'mcp.configure_client', { name: 'Switch Host', enabled: false });
    expect(await callTool(client, 'search_memories', { query: 'bees' })).toEqual({ ok: false, text: expect.stringMatching(/^CONFLICT: memory is turned off for "Switch Host"/) });
    expect(await callTool(client, 'recent_operations', {})).toEqual({ ok: false, text: expect.stringMatching(/turned off/) });
    await expect(client.readResource({ uri: 'memory://subject/user' })).rejects.toThrow(/turned off/);
    // Only the hens were refused: memory holds the bees alone, and the switches are in the settings file.
    expect((await call(assistant, 'memory.list', {})).items.map((m) => m.text)).toEqual(['I keep bees in the garden.']);
    const stored = JSON.parse(readFileSync(join(assistant.profileDir, 'settings.json'), 'utf8')) as { mcp_clients: Record<string, unknown> };
    expect(stored.mcp_clients['Switch Host']).toMatchObject({ enabled: false, access: 'read-only' });
    expect(await assistant.dispatch('mcp.configure_client', { name: 'Nobody', enabled: true })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('refuses a wrong token, the API token, and a foreign Host', async () => {
    const { server } = await webMode();
    await expect(connect(server, 'Intruder', 'wrong-token')).rejects.toThrow(/401|Unauthorized|token/i);
    await expect(connect(server, 'Intruder', server.token)).rejects.toThrow(/401|Unauthorized|token/i);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    const headers = { authorization: `Bearer ${server.mcpToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const rebound = await rawRequest(server.port, { path: '/mcp', headers: { ...headers, host: `evil.example:${server.port}` }, body });
    expect(rebound.status).toBe(403);
    const unknownSession = await rawRequest(server.port, { path: '/mcp', headers: { ...headers, 'mcp-session-id': 'no-such-session' }, body });
    expect(unknownSession.status).toBe(404);
  });

  it('answers malformed MCP requests with a clean 4xx and keeps serving', async () => {
    const { server } = await webMode();
    const headers = { authorization: `Bearer ${server.mcpToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const malformed: Array<{ what: string; headers?: Record<string, string>; body: string | Buffer }> = [
      { what: 'not JSON', body: '{"jsonrpc": "2.0", "id": 1, "method": ' },
      { what: 'not JSON-RPC', body: JSON.stringify({ hello: 'world' }) },
      { what: 'a call before initialize', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) },
      { what: 'a form post', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' },
      { what: 'over 1 MB', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { pad: 'x'.repeat(1024 * 1024) } }) },
      { what: 'broken UTF-8', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
    ];
    for (const request of malformed) {
      const response = await rawRequest(server.port, { path: '/mcp', headers: { ...headers, ...request.headers }, body: request.body });
      expect(response.status, request.what).toBeGreaterThanOrEqual(400);
      expect(response.status, request.what).toBeLessThan(500);
      expect(() => JSON.parse(response.body), `${request.what}: ${response.body}`).not.toThrow();
    }
    const client = await connect(server, 'After The Storm');
    expect((await client.listTools()).tools).toHaveLength(4);
  });
});
