import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientKeys } from '../../models/api/client-keys.js';
import type { ApiResult } from '../../models/api/dispatch.js';
import { defaultStaticDir } from '../../models/api/static-files.js';
import type { ToolEndpointsView } from '../../models/contract/tool-endpoints-schemas.js';
import { startDesktopApp } from '../../electron/desktop-app.js';
import { IPC_CHANNELS } from '../../electron/ipc-channels.js';
import { scriptedAssistantModel, SCRIPTED_REPLY } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { rawRequest } from '../helpers/web-client.js';
import { toolValue, type OperationFacts } from '../mcp/mcp-client.js';
import { launchMcp } from '../mcp/mcp-launch.js';
import { ipcEvent, resetElectron } from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js').then((fake) => fake.electronModule));

const tempDir = useTempDirs();
let electron: ReturnType<typeof resetElectron>;
const cleanups: Array<() => Promise<unknown> | void> = [];

beforeEach(() => {
  electron = resetElectron();
  electron.app.userData = tempDir('memr1-desktop-tools-');
  vi.stubEnv('MEMR1_PROFILE', '');
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const profileDir = () => join(electron.app.userData, 'profiles', 'default');
const start = async (toolPort = 0) => startDesktopApp({ assistant: { embedder: await realEmbedder(), chatModel: scriptedAssistantModel() }, rendererDir: defaultStaticDir(), toolPort });
const invoke = (route: string, input: unknown) => electron.ipcMain.invoke(IPC_CHANNELS.invoke, ipcEvent(electron.windows[0]!.webContents), route, input) as Promise<ApiResult>;

/** What Settings reads: where the tools reach the memory, with the MCP token when asked for. */
async function endpoints(reveal_token = true): Promise<NonNullable<ToolEndpointsView>> {
  const result = await invoke('tools.endpoints', { reveal_token });
  if (!result.ok || !result.output) throw new Error(`tools.endpoints: ${JSON.stringify(result)}`);
  return result.output as NonNullable<ToolEndpointsView>;
}

async function connectMcp(view: NonNullable<ToolEndpointsView>, name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(view.mcp_url), { requestInit: { headers: { authorization: `Bearer ${view.mcp_token}` } } }));
  cleanups.push(() => client.close());
  return client;
}

const portOf = (url: string) => Number(new URL(url).port);

async function quit(): Promise<number> {
  electron.app.quit();
  return electron.app.exited;
}

/** Restarts the app on the same profile, as the user would after quitting. */
async function restart(toolPort = 0): Promise<void> {
  const userData = electron.app.userData;
  electron = resetElectron();
  electron.app.userData = userData;
  await start(toolPort);
}

describe('the desktop app serves other tools on 127.0.0.1 (/mcp and /v1, as web mode)', () => {
  it('answers the SDK MCP client and the official openai client, and closes on quit before the profile is released', async () => {
    await start();
    const view = await endpoints();
    expect(view).toEqual({ mcp_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/), mcp_token: expect.stringMatching(/^[\w-]{43}$/), proxy_url: view.mcp_url.replace(/\/mcp$/, '/v1'), notice: null });
    // The token is on screen only when asked for.
    expect(await invoke('tools.endpoints', {})).toEqual({ ok: true, output: { mcp_url: view.mcp_url, proxy_url: view.proxy_url, notice: null } });

    const mcp = await connectMcp(view, 'Desktop Host');
    expect((await mcp.listTools()).tools.map((t) => t.name).sort()).toEqual(['forget', 'recent_operations', 'remember', 'search_memories']);
    const { operations } = await toolValue<{ operations: OperationFacts[] }>(mcp, 'remember', { text: 'I have a dog called Rex.' });
    expect(operations).toEqual([expect.objectContaining({ kind: 'ADD', text: 'The user has a dog called Rex.' })]);
    const found = await toolValue<{ memories: Array<{ id: string }> }>(mcp, 'search_memories', { query: 'What is my dog called?' });
    expect(found.memories.map((m) => m.id)).toContain(operations[0]!.memory_id);
    // The page sees the tool's write in Review, under the tool's name.
    const review = (await invoke('ops.list', { status: 'applied' })) as { ok: true; output: { items: OperationFacts[] } };
    expect(review.output.items).toContainEqual(expect.objectContaining({ op_id: operations[0]!.op_id, origin: expect.stringMatching(/^mcp:Desktop Host\//) }));

    const key = await new ClientKeys(join(profileDir(), 'clients.json')).add('webui');
    const openai = new OpenAI({ baseURL: view.proxy_url!, apiKey: key, maxRetries: 0 });
    expect((await openai.models.list()).data.map((m) => m.id)).toEqual(['memr1']);
    const reply = await openai.chat.completions.create({ model: 'memr1', messages: [{ role: 'user', content: 'Hi there' }] });
    expect(reply.choices[0]!.message.content).toBe(SCRIPTED_REPLY);
    await expect(new OpenAI({ baseURL: view.proxy_url!, apiKey: 'memr1-not-a-key', maxRetries: 0 }).models.list()).rejects.toMatchObject({ status: 401 });

    expect(await quit()).toBe(0);
    await expect(fetch(view.mcp_url, { method: 'POST' })).rejects.toThrow();
    expect(existsSync(join(profileDir(), 'serve.json'))).toBe(false);
  });

  it('serves no page and no /api, only the tools, each behind its token, and the usual Host checks', async () => {
    await start();
    const port = portOf((await endpoints()).mcp_url);
    for (const path of ['/', '/index.html', '/assets/app.js']) expect((await rawRequest(port, { method: 'GET', path })).status).toBe(404);
    const api = await rawRequest(port, { path: '/api/settings.get', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.stringMatching(/other tools only: MCP at \/mcp/) } });
    expect((await rawRequest(port, { path: '/mcp', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await rawRequest(port, { method: 'GET', path: '/v1/models' })).status).toBe(401);
    expect((await rawRequest(port, { method: 'GET', path: '/v1/models', headers: { host: `evil.example:${port}` } })).status).toBe(403);
    expect(await quit()).toBe(0);
  });

  it('keeps the MCP token across restarts (0600 in the profile), and takes a free port, with a notice, when the usual one is taken', async () => {
    const blocker = await occupiedPort();
    const taken = (blocker.address() as { port: number }).port;
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await start(taken);
    const first = await endpoints();
    expect(portOf(first.mcp_url)).not.toBe(taken);
    expect(first.notice).toMatch(new RegExp(`port ${taken} was taken by another program, so this run listens on ${portOf(first.mcp_url)}`));
    expect(said).toHaveBeenCalledWith(expect.stringMatching(`port ${taken} was taken`));
    expect(statSync(join(profileDir(), 'mcp-token')).mode & 0o777).toBe(0o600);
    expect(await quit()).toBe(0);

    blocker.close();
    await restart(taken);
    const second = await endpoints();
    expect(second).toMatchObject({ mcp_url: `http://127.0.0.1:${taken}/mcp`, mcp_token: first.mcp_token, notice: null });
    const mcp = await connectMcp(second, 'Configured Once');
    expect((await mcp.listTools()).tools.length).toBeGreaterThan(0);
    expect(await quit()).toBe(0);
  });

  it('memr1 mcp relays to the desktop app that holds the profile (announced in serve.json, 0600), and the announcement goes on quit', async () => {
    await start();
    const discovery = join(profileDir(), 'serve.json');
    expect(statSync(discovery).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(discovery, 'utf8'))).toMatchObject({ app: 'desktop', pid: process.pid, url: (await endpoints()).mcp_url });

    const { client, stderr } = await launchMcp(profileDir(), 'Relayed Host');
    cleanups.push(() => client.close());
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('remember');
    const { operations } = await toolValue<{ operations: OperationFacts[] }>(client, 'remember', { text: 'I moved to Lisbon in May.' });
    expect(operations).toEqual([expect.objectContaining({ kind: 'ADD', text: 'The user lives in Lisbon.' })]);
    expect(stderr()).toMatch(/relaying to the desktop app \(pid \d+/);
    const review = (await invoke('ops.list', { status: 'applied' })) as { ok: true; output: { items: OperationFacts[] } };
    expect(review.output.items).toContainEqual(expect.objectContaining({ op_id: operations[0]!.op_id, origin: expect.stringMatching(/^mcp:Relayed Host\//) }));

    expect(await quit()).toBe(0);
    expect(existsSync(discovery)).toBe(false);
    // The app is gone: a call says so, and what to do.
    await expect(client.callTool({ name: 'search_memories', arguments: { query: 'tea' } })).rejects.toThrow(/the desktop app \(pid \d+.*restart this MCP server/);
  });
});

/** A port another program holds. */
async function occupiedPort(): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => void server.close());
  return server;
}
