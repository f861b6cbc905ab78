/**
 * The IPC messages between the preload's `window.memr1` and the main
 * process. The sandboxed preload cannot import this file (it may require only
 * 'electron'), so it repeats the names, typed as `typeof IPC_CHANNELS`: a
 * mismatch fails the type check.
 */
export const IPC_CHANNELS = {
  /** renderer → main, `ipcRenderer.invoke(invoke, route, input)`: resolves with the dispatcher's result envelope. */
  invoke: 'memr1:invoke',
  /** renderer → main, `send(stream, id, route, input)`: starts a stream route; `id` is the preload's. */
  stream: 'memr1:stream',
  /** renderer → main, `send(cancel, id)`: stops that stream. */
  cancel: 'memr1:cancel',
  /** main → renderer, `(id, event)`: one event of a stream. */
  event: 'memr1:event',
  /** main → renderer, `(id)`: the stream is over; nothing more comes for `id`. */
  end: 'memr1:end',
  /** renderer → main, `invoke(chooseFolder, title)`: the system's folder dialog; resolves with a path or null. */
  chooseFolder: 'memr1:choose-folder',
} as const;

/** The longest stream id the main process accepts (the preload's are UUIDs). */
export const MAX_STREAM_ID_LENGTH = 100;
