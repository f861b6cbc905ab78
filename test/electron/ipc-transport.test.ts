import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProfileHost } from '../../models/api/profile-host.js';
import { withToolEndpointsRoute } from '../../models/api/tool-endpoints-route.js';
import type { Transport } from '../../models/contract/bridge.js';
import type { ApiResult, Dispatch } from '../../models/api/dispatch.js';
import { ROUTES, type RouteName } from '../../models/contract/routes.js';
import { API_ERROR_CODES } from '../../models/contract/schemas.js';
import { mulberry32 } from '../../models/util/seeded-random.js';
import { IPC_CHANNELS } from '../../electron/ipc-channels.js';
import { serveIpc, type IpcTransport } from '../../electron/ipc-transport.js';
import { SCRIPTED_REPLY, scriptedAssistantModel } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { malformedPayloads } from '../helpers/malformed-payloads.js';
import { FakeIpcRenderer, FakeWebContents, ipcEvent, resetElectron } from './fake-electron.js';
import { runPreload } from './preload-loader.js';

vi.mock('electron', () => import('./fake-electron.js').then((fake) => fake.electronModule));

const SEED = 20_250_602;
// One profile for the whole file.
const profileDir = mkdtempSync(join(tmpdir(), 'memr1-ipc-'));
let assistant: ProfileHost;

beforeAll(async () => {
  assistant = await ProfileHost.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
});

afterAll(async () => {
  await assistant.close();
  rmSync(profileDir, { recursive: true, force: true });
});

let electron: ReturnType<typeof resetElectron>;
let transport: IpcTransport;
/** Every call that reached the dispatcher, with its signal and its result. */
let calls: Array<{ route: string; signal: AbortSignal | undefined; result: Promise<ApiResult> }>;
let page: FakeWebContents;

beforeEach(() => {
  electron = resetElectron();
  calls = [];
  const dispatch: Dispatch = (route, input, emit, signal) => {
    const result = assistant.dispatch(route, input, emit, signal);
    calls.push({ route, signal, result });
    return result;
  };
  // As the desktop app serves it: `tools.endpoints` is its own (here with no endpoints open).
  transport = serveIpc(withToolEndpointsRoute(dispatch, () => undefined));
  page = new FakeWebContents();
});

const invoke = (...args: unknown[]) => electron.ipcMain.invoke(IPC_CHANNELS.invoke, ipcEvent(page), ...args) as Promise<ApiResult>;

/** Starts a stream as the app's page and waits for its end. */
async function stream(id: string, route: unknown, input: unknown) {
  electron.ipcMain.post(IPC_CHANNELS.stream, ipcEvent(page), id, route, input);
  await page.ended(id);
  return page.eventsOf(id);
}

function canClone(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

const cleanRefusal = { ok: false, error: { code: expect.toBeOneOf([...API_ERROR_CODES]), message: expect.any(String) } };

describe('invoke over IPC', () => {
  it('reaches the real Assistant: a memory added is listed', async () => {
    const added = await invoke('memory.add', { text: 'The user plays the cello.' });
    expect(added).toMatchObject({ ok: true, output: { kind: 'ADD', after: { text: 'The user plays the cello.' } } });
    const listed = await invoke('memory.list', {});
    expect(listed).toMatchObject({ ok: true, output: { items: expect.arrayContaining([expect.objectContaining({ text: 'The user plays the cello.' })]) } });
    expect(await invoke('memory.get', { id: 'no-such-memory' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('refuses calls from any page other than the app page, before they reach the Assistant', async () => {
    for (const frame of ['https://evil.example/', 'file:///etc/passwd', 'app://other/index.html', 'http://127.0.0.1:5173/', null]) {
      const result = await electron.ipcMain.invoke(IPC_CHANNELS.invoke, ipcEvent(page, frame), 'memory.list', {});
      expect(result, String(frame)).toEqual({ ok: false, error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    expect(calls).toEqual([]);
  });
});

describe('streams over IPC', () => {
  it('forwards the events of a chat turn to the page in order, then ends', async () => {
    const events = await stream('turn-1', 'chat.send', { text: 'I just moved to Lisbon.' });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('memories');
    expect(types.slice(-2)).toEqual(['done', 'operations']);
    expect(types.slice(1, -2).every((t) => t === 'token')).toBe(true);
    expect(events.filter((e) => e.type === 'token').map((e) => e.text).join('').trim()).toBe(SCRIPTED_REPLY);
    expect(page.sent.at(-1)).toEqual([IPC_CHANNELS.end, 'turn-1']);
  });

  it('cancel stops the reply: no event follows, and the generation stopped (the saved reply is cut short)', async () => {
    let tokens = 0;
    page.onSend = (channel, _id, event) => {
      if (channel === IPC_CHANNELS.event && (event as { type: string }).type === 'token' && ++tokens === 3) electron.ipcMain.post(IPC_CHANNELS.cancel, ipcEvent(page), 'turn-2');
    };
    await stream('turn-2', 'chat.send', { text: 'Tell me something long.', session_id: 'cancelled' });

    expect(page.eventsOf('turn-2').map((e) => e.type)).toEqual(['memories', 'token', 'token', 'token']);
    expect(calls[0]!.signal?.aborted).toBe(true);
    const history = await assistant.dispatch('chat.history', { session_id: 'cancelled' });
    const reply = (history as { output: { messages: Array<{ role: string; text: string }> } }).output.messages.find((m) => m.role === 'assistant');
    expect(reply?.text.split(' ').length).toBeLessThan(SCRIPTED_REPLY.split(' ').length);
  });

  it('a page that goes away (window closed) aborts its streams', async () => {
    page.onSend = (channel) => {
      if (channel === IPC_CHANNELS.event && !page.isDestroyed()) page.destroy();
    };
    electron.ipcMain.post(IPC_CHANNELS.stream, ipcEvent(page), 'turn-3', 'chat.send', { text: 'Hello?', session_id: 'gone' });
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    await calls[0]!.result;
    expect(calls[0]!.signal?.aborted).toBe(true);
    expect(page.eventsOf('turn-3').map((e) => e.type)).toEqual(['memories']);
    expect(page.sent.some(([channel]) => channel === IPC_CHANNELS.end)).toBe(false);
  });

  it('abortAll (the app quitting) stops every stream, which still ends', async () => {
    page.onSend = (channel) => {
      if (channel === IPC_CHANNELS.event) transport.abortAll();
    };
    const events = await stream('turn-4', 'chat.send', { text: 'Are you there?' });
    expect(events.map((e) => e.type)).toEqual(['memories']);
    expect(calls[0]!.signal?.aborted).toBe(true);
  });

  it('a foreign page can neither start a stream nor cancel one of the app', async () => {
    const foreign = ipcEvent(page, 'https://evil.example/');
    electron.ipcMain.post(IPC_CHANNELS.stream, foreign, 'evil', 'chat.send', { text: 'Hi' });
    expect(calls).toEqual([]);
    expect(page.sent).toEqual([]);

    page.onSend = (channel) => {
      if (channel === IPC_CHANNELS.event) electron.ipcMain.post(IPC_CHANNELS.cancel, foreign, 'turn-5');
    };
    const events = await stream('turn-5', 'chat.send', { text: 'Hi again' });
    expect(events.map((e) => e.type).slice(-2)).toEqual(['done', 'operations']);
    expect(calls[0]!.signal?.aborted).toBe(false);
  });

  it('a refused stream is one error event, then the end; a unary route is no stream', async () => {
    expect(await stream('bad-1', 'chat.send', { text: '' })).toEqual([{ type: 'error', code: 'BAD_INPUT', message: expect.any(String) }]);
    expect(await stream('bad-2', 'memory.list', {})).toEqual([{ type: 'error', code: 'BAD_INPUT', message: expect.stringMatching(/not a stream.*invoke/) }]);
    expect(await stream('bad-3', 'no.such.route', {})).toEqual([{ type: 'error', code: 'NOT_FOUND', message: expect.any(String) }]);
    expect(await stream('bad-4', 42, {})).toEqual([{ type: 'error', code: 'BAD_INPUT', message: expect.stringMatching(/route must be a string/) }]);
  });
});

describe('window.memr1 from the preload, over IPC, to the real Assistant', () => {
  it('invoke resolves with outputs and rejects with {code, message}; a stream delivers the chat turn and lets go of its listeners', async () => {
    const ipcRenderer = new FakeIpcRenderer(electron.ipcMain, page);
    const exposed: Record<string, unknown> = {};
    runPreload({ ipcRenderer, contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) } });
    const memr1 = exposed.memr1 as Transport;

    await expect(memr1.invoke('settings.get', {})).resolves.toMatchObject({ embedder: 'use-lite', profile_dir: profileDir });
    await expect(memr1.invoke('memory.add', { text: '' })).rejects.toEqual({ code: 'BAD_INPUT', message: expect.any(String) });

    const events: Array<{ type: string }> = [];
    await new Promise<void>((finished) =>
      memr1.stream('chat.send', { text: 'I have a dog called Rex.' }, (event) => {
        events.push(event as { type: string });
        if ((event as { type: string }).type === 'operations') finished();
      }),
    );
    await vi.waitFor(() => expect(ipcRenderer.listenerCount(IPC_CHANNELS.event) + ipcRenderer.listenerCount(IPC_CHANNELS.end)).toBe(0));
    expect(events.at(-1)).toMatchObject({ type: 'operations', operations: [{ kind: 'ADD', after: { text: 'The user has a dog called Rex.' } }] });

    const refused: unknown[] = [];
    memr1.stream('chat.send', { text: 'hi', extra: 1 }, (event) => refused.push(event));
    await vi.waitFor(() => expect(refused).toEqual([{ type: 'error', code: 'BAD_INPUT', message: expect.any(String) }]));
  });
});

describe('fuzz: seeded malformed IPC messages', () => {
  it('each gets a clean refusal (or, with no address to answer, nothing), and the app keeps answering', async () => {
    // The HTTP half of the fuzz is test/api/fuzz.test.ts; these are the same payloads as IPC values, on both channels.
    const payloads = malformedPayloads(SEED, 10).filter((p) => 'value' in p);
    expect(new Set(payloads.map((p) => p.route))).toEqual(new Set(Object.keys(ROUTES) as RouteName[]));
    // IPC carries structured clones: a value too deeply nested to clone fails in the renderer and never reaches the main process.
    const carried = payloads.filter((p) => canClone(p.value));
    expect(payloads.length - carried.length).toBeLessThan(payloads.length / 10);
    let streamed = 0;
    for (const payload of carried) {
      const context = `${payload.route} (${payload.kind})`;
      expect(await invoke(payload.route, payload.value), context).toEqual({ ok: false, error: { code: 'BAD_INPUT', message: expect.any(String) } });
      const id = `fuzz-${streamed++}`;
      expect(await stream(id, payload.route, payload.value), context).toEqual([{ type: 'error', code: 'BAD_INPUT', message: expect.any(String) }]);
    }

    // Arguments of every wrong kind, in seeded random combinations: routes that are not route names, ids no reply can go to.
    const random = mulberry32(SEED);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const routes: unknown[] = [undefined, null, 0, -1.5, true, {}, [], ['memory.list'], { toString: 'memory.list' }, '', 'x'.repeat(200_000), '__proto__', 'constructor', 'MEMORY.LIST', 'memory.list ', new Date(0), 10n];
    const badIds: unknown[] = [undefined, null, 0, '', 'x'.repeat(101), 'y'.repeat(1_000_000), {}, ['id'], true];
    const inputs: unknown[] = [undefined, null, {}, [], 'text', 1e308, { text: 'x'.repeat(10_000) }, { __proto__: { polluted: 1 } }, new Map([['text', 'x']])];
    const before = { calls: calls.length, sent: page.sent.length };
    let refusedStreams = 0;
    for (let i = 0; i < 200; i++) {
      const [route, input] = [pick(routes), pick(inputs)];
      const channel = pick([IPC_CHANNELS.invoke, IPC_CHANNELS.stream, IPC_CHANNELS.cancel, 'bad-id stream'] as const);
      const context = `#${i}: ${channel}, routes[${routes.indexOf(route)}], inputs[${inputs.indexOf(input)}]`;
      if (channel === IPC_CHANNELS.invoke) {
        expect(await invoke(route, input), context).toEqual(cleanRefusal);
      } else if (channel === IPC_CHANNELS.stream) {
        const events = await stream(`random-${i}`, route, input);
        expect(events, context).toEqual([{ type: 'error', code: expect.toBeOneOf(['BAD_INPUT', 'NOT_FOUND']), message: expect.any(String) }]);
        refusedStreams++;
      } else if (channel === IPC_CHANNELS.cancel) {
        electron.ipcMain.post(IPC_CHANNELS.cancel, ipcEvent(page), pick(badIds));
      } else {
        electron.ipcMain.post(IPC_CHANNELS.stream, ipcEvent(page), pick(badIds), 'chat.send', { text: 'Hi' });
      }
      await Promise.all(calls.map((c) => c.result));
    }
    expect(refusedStreams).toBeGreaterThan(20);
    // Only calls with a string route reached the dispatcher, and nothing was sent but the refused streams' error and end.
    expect(calls.slice(before.calls).every((c) => typeof c.route === 'string')).toBe(true);
    expect(page.sent.length - before.sent).toBe(2 * refusedStreams);
    expect(Object.prototype).not.toHaveProperty('polluted');

    // Still healthy: a write read back, a whole chat turn.
    const added = (await invoke('memory.add', { text: 'The user still plays the cello.' })) as { ok: true; output: { memory_id: string } };
    expect(await invoke('memory.get', { id: added.output.memory_id })).toMatchObject({ ok: true, output: { text: 'The user still plays the cello.' } });
    expect((await stream('after-fuzz', 'chat.send', { text: 'Still there?' })).at(-1)).toMatchObject({ type: 'operations' });
  });
});
