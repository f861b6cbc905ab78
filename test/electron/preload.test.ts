import { EventEmitter } from 'node:events';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Transport } from '../../models/contract/bridge.js';
import { IPC_CHANNELS } from '../../electron/ipc-channels.js';
import { compiledPreload, runPreload } from './preload-loader.js';

/** The renderer half of 'electron' as a sandboxed preload sees it. */
function fakeRendererElectron() {
  const exposed: Record<string, unknown> = {};
  const ipcRenderer = Object.assign(new EventEmitter(), { invoke: vi.fn(), send: vi.fn() });
  const contextBridge = { exposeInMainWorld: vi.fn((key: string, api: unknown) => (exposed[key] = api)) };
  return { exposed, ipcRenderer, electron: { contextBridge, ipcRenderer } };
}

let renderer: ReturnType<typeof fakeRendererElectron>;
let memr1: Transport;

beforeEach(() => {
  renderer = fakeRendererElectron();
  runPreload(renderer.electron);
  memr1 = renderer.exposed.memr1 as Transport;
});

const listeners = () => [IPC_CHANNELS.event, IPC_CHANNELS.end].map((channel) => renderer.ipcRenderer.listenerCount(channel));
const streamIdOf = (call: number) => renderer.ipcRenderer.send.mock.calls.filter(([channel]) => channel === IPC_CHANNELS.stream)[call]![1] as string;

describe('the preload (compiled as the build compiles it, run as a sandboxed preload)', () => {
  it('is CommonJS that requires nothing but electron', () => {
    const code = compiledPreload();
    expect(code).toContain('require("electron")');
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
    expect(runPreload(fakeRendererElectron().electron)).toEqual(['electron']);
  });

  it('exposes window.memr1 with invoke, stream and chooseFolder, and nothing else', () => {
    expect(Object.keys(renderer.exposed)).toEqual(['memr1']);
    expect(Object.keys(memr1).sort()).toEqual(['chooseFolder', 'invoke', 'stream']);
    expect(typeof memr1.invoke).toBe('function');
    expect(typeof memr1.stream).toBe('function');
  });

  it('chooseFolder asks the main process for the folder dialog with its title', async () => {
    renderer.ipcRenderer.invoke.mockResolvedValueOnce('/home/me/models/tiny');
    await expect(memr1.chooseFolder!('Choose a model folder')).resolves.toBe('/home/me/models/tiny');
    expect(renderer.ipcRenderer.invoke).toHaveBeenLastCalledWith(IPC_CHANNELS.chooseFolder, 'Choose a model folder');
  });

  it('invoke resolves with the output, and rejects with the refusal as a plain {code, message}', async () => {
    renderer.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, output: { total: 0, items: [] } });
    await expect(memr1.invoke('memory.list', { limit: 5 })).resolves.toEqual({ total: 0, items: [] });
    expect(renderer.ipcRenderer.invoke).toHaveBeenLastCalledWith(IPC_CHANNELS.invoke, 'memory.list', { limit: 5 });

    renderer.ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'NOT_FOUND', message: 'no memory x' } });
    const refusal = await memr1.invoke('memory.get', { id: 'x' }).catch((error: unknown) => error);
    expect(refusal).toEqual({ code: 'NOT_FOUND', message: 'no memory x' });
    expect(refusal).not.toBeInstanceOf(Error);
  });

  it('stream sends its id, route and input, delivers only its own events, and lets go of its listeners at the end', () => {
    const events: unknown[] = [];
    const cancel = memr1.stream('chat.send', { text: 'hi' }, (event) => events.push(event));
    const id = streamIdOf(0);
    expect(renderer.ipcRenderer.send).toHaveBeenCalledWith(IPC_CHANNELS.stream, id, 'chat.send', { text: 'hi' });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(listeners()).toEqual([1, 1]);

    renderer.ipcRenderer.emit(IPC_CHANNELS.event, {}, id, { type: 'token', text: 'Hel' });
    renderer.ipcRenderer.emit(IPC_CHANNELS.event, {}, 'another-stream', { type: 'token', text: 'nope' });
    renderer.ipcRenderer.emit(IPC_CHANNELS.end, {}, 'another-stream');
    renderer.ipcRenderer.emit(IPC_CHANNELS.event, {}, id, { type: 'token', text: 'lo' });
    expect(listeners()).toEqual([1, 1]);
    renderer.ipcRenderer.emit(IPC_CHANNELS.end, {}, id);
    expect(events).toEqual([
      { type: 'token', text: 'Hel' },
      { type: 'token', text: 'lo' },
    ]);
    expect(listeners()).toEqual([0, 0]);

    // Cancelling a stream that ended asks nothing of the main process.
    cancel();
    expect(renderer.ipcRenderer.send.mock.calls.filter(([channel]) => channel === IPC_CHANNELS.cancel)).toEqual([]);
  });

  it('cancel tells the main process, removes the listeners, and no event is delivered after it', () => {
    const events: unknown[] = [];
    const cancel = memr1.stream('models.download', { id: 'tiny/model' }, (event) => events.push(event));
    const other: unknown[] = [];
    memr1.stream('chat.send', { text: 'hi' }, (event) => other.push(event));
    const [id, otherId] = [streamIdOf(0), streamIdOf(1)];
    expect(otherId).not.toBe(id);

    cancel();
    expect(renderer.ipcRenderer.send).toHaveBeenLastCalledWith(IPC_CHANNELS.cancel, id);
    expect(listeners()).toEqual([1, 1]); // the other stream's
    renderer.ipcRenderer.emit(IPC_CHANNELS.event, {}, id, { type: 'progress' });
    renderer.ipcRenderer.emit(IPC_CHANNELS.event, {}, otherId, { type: 'token', text: 'x' });
    expect(events).toEqual([]);
    expect(other).toEqual([{ type: 'token', text: 'x' }]);

    const sends = renderer.ipcRenderer.send.mock.calls.length;
    cancel();
    expect(renderer.ipcRenderer.send.mock.calls.length).toBe(sends);
  });
});
