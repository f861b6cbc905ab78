import { ipcMain, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents } from 'electron';
import type { ApiResult, Dispatch } from '../models/api/dispatch.js';
import { isRouteName, ROUTES } from '../models/contract/routes.js';
import type { ApiErrorBody } from '../models/contract/schemas.js';
import { isAppUrl } from './app-origin.js';
import { IPC_CHANNELS, MAX_STREAM_ID_LENGTH } from './ipc-channels.js';

export interface IpcTransport {
  /** Stops every stream in progress (the app is quitting); each still gets its `end`. */
  abortAll(): void;
}

/**
 * The desktop transport (DESIGN §8): the preload's `window.memr1` calls
 * reach `dispatch` over IPC. A unary call is `ipcMain.handle` and always
 * resolves with the result envelope (a throw would reach the page as
 * Electron's own wrapped error). A stream is started by a message naming the
 * preload's id; its events go back under that id, then `end`; `cancel`, or
 * the page's webContents going away, aborts it. Every message must come from
 * the app's own page, and its arguments are checked before anything runs:
 * the renderer is trusted no more than a browser tab.
 */
export function serveIpc(dispatch: Dispatch): IpcTransport {
  const streams = new Map<WebContents, Map<string, AbortController>>();

  /** The streams a webContents runs; all are aborted when it is destroyed (its window closed). */
  const streamsOf = (sender: WebContents): Map<string, AbortController> => {
    const known = streams.get(sender);
    if (known) return known;
    const running = new Map<string, AbortController>();
    streams.set(sender, running);
    sender.once('destroyed', () => {
      for (const stop of running.values()) stop.abort();
      streams.delete(sender);
    });
    return running;
  };

  ipcMain.handle(IPC_CHANNELS.invoke, async (event, route: unknown, input: unknown): Promise<ApiResult> => {
    const refusal = refuseSender(event);
    if (refusal) return { ok: false, error: refusal };
    if (typeof route !== 'string') return { ok: false, error: notARouteName(route) };
    return dispatch(route, input);
  });

  ipcMain.on(IPC_CHANNELS.stream, (event, id: unknown, route: unknown, input: unknown) => {
    // A foreign page, or an id no reply could be addressed to, gets no answer at all.
    if (refuseSender(event) || !isStreamId(id)) return;
    const { sender } = event;
    const running = streamsOf(sender);
    if (running.has(id)) return; // the preload's ids are UUIDs: a repeat is not the preload's
    const stop = new AbortController();
    running.set(id, stop);
    const emit = (message: unknown) => {
      if (!stop.signal.aborted && !sender.isDestroyed()) sender.send(IPC_CHANNELS.event, id, message);
    };
    void runStream(dispatch, route, input, emit, stop.signal).then((result) => {
      if (!result.ok) emit({ type: 'error', ...result.error });
      running.delete(id);
      if (!sender.isDestroyed()) sender.send(IPC_CHANNELS.end, id);
    });
  });

  ipcMain.on(IPC_CHANNELS.cancel, (event, id: unknown) => {
    if (refuseSender(event) || !isStreamId(id)) return;
    streams.get(event.sender)?.get(id)?.abort();
  });

  return {
    abortAll() {
      for (const running of streams.values()) for (const stop of running.values()) stop.abort();
    },
  };
}

/** A stream route's run; a refusal (a route that is no stream included) comes back as the result, for the caller to send as an error event. */
function runStream(dispatch: Dispatch, route: unknown, input: unknown, emit: (event: unknown) => void, signal: AbortSignal): Promise<ApiResult> {
  if (typeof route !== 'string') return Promise.resolve({ ok: false, error: notARouteName(route) });
  // A unary route here would answer nothing: its output has no event to travel in.
  if (isRouteName(route) && ROUTES[route].kind === 'unary') return Promise.resolve({ ok: false, error: { code: 'BAD_INPUT', message: `${route} is not a stream: call it with invoke` } });
  return dispatch(route, input, emit, signal);
}

/** Only the app's own page may call: not a page loaded in its place. */
function refuseSender(event: IpcMainEvent | IpcMainInvokeEvent): ApiErrorBody | undefined {
  const url = event.senderFrame?.url;
  if (url !== undefined && isAppUrl(url)) return undefined;
  return { code: 'UNAUTHORIZED', message: "only the app's own page may call the API" };
}

function notARouteName(route: unknown): ApiErrorBody {
  return { code: 'BAD_INPUT', message: `the route must be a string such as "memory.list", not ${route === null ? 'null' : typeof route}` };
}

function isStreamId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_STREAM_ID_LENGTH;
}
