/**
 * The preload: exposes `window.memr1 = {invoke, stream, chooseFolder}` to the page and
 * nothing else (no ipcRenderer, no Node). Sandboxed preloads are CommonJS
 * and may require only 'electron', so this file is `.cts` (tsc emits
 * `preload.cjs`), imports the rest as types only, and repeats the channel
 * names under their type.
 */
import electron = require('electron');
import type { Transport } from '../models/contract/bridge.js';
import type { ApiResult } from '../models/api/dispatch.js';
import type { IPC_CHANNELS } from './ipc-channels.js';

const { contextBridge, ipcRenderer } = electron;

const CHANNELS: typeof IPC_CHANNELS = { invoke: 'memr1:invoke', stream: 'memr1:stream', cancel: 'memr1:cancel', event: 'memr1:event', end: 'memr1:end', chooseFolder: 'memr1:choose-folder' };

const memr1: Transport = {
  async invoke(route, input) {
    const result = (await ipcRenderer.invoke(CHANNELS.invoke, route, input)) as ApiResult;
    if (result.ok) return result.output;
    // A plain {code, message}: the context bridge copies it whole, where an Error would lose its code.
    throw result.error;
  },

  stream(route, input, onEvent) {
    const id = crypto.randomUUID();
    let open = true;
    const onMessage = (_event: unknown, streamId: unknown, message: unknown) => {
      if (streamId === id) onEvent(message);
    };
    const onEnd = (_event: unknown, streamId: unknown) => {
      if (streamId === id) close();
    };
    const close = () => {
      open = false;
      ipcRenderer.removeListener(CHANNELS.event, onMessage);
      ipcRenderer.removeListener(CHANNELS.end, onEnd);
    };
    ipcRenderer.on(CHANNELS.event, onMessage);
    ipcRenderer.on(CHANNELS.end, onEnd);
    ipcRenderer.send(CHANNELS.stream, id, route, input);
    return () => {
      if (!open) return;
      close();
      ipcRenderer.send(CHANNELS.cancel, id);
    };
  },

  async chooseFolder(title) {
    return (await ipcRenderer.invoke(CHANNELS.chooseFolder, String(title))) as string | null;
  },
};

contextBridge.exposeInMainWorld('memr1', memr1);
