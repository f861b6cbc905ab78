import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../util/lower-thread-priority.js';
import { UseLiteEmbedder, type EncoderBackend } from './use-lite.js';

/** A request from `UseLitePool`: texts to embed, answered under the same id. */
export interface EmbedRequest {
  id: number;
  texts: string[];
}

/** Asks the worker to release its model and stop (once its model has finished loading, if it is still loading). */
export interface CloseRequest {
  close: true;
}

/** The answer: the vectors in order, or why they could not be made. */
export type EmbedReply = { id: number; vectors: Float32Array[] } | { id: number; error: string };

/** What `UseLitePool.start` tells each worker. */
export interface EmbedWorkerData {
  /** Run below the main thread's OS priority: the process serves a chat. */
  background: boolean;
}

/** Sent once, when the model has loaded: what runs it. */
export interface WorkerReady {
  backend: EncoderBackend;
  /** Whether this worker runs below the main thread's OS priority (`lowerThisThreadPriority`), and why not when it does not. */
  priority: { lowered: boolean; reason: string };
}

const port = parentPort;
if (!port) throw new Error('use-lite-worker runs as a worker thread of UseLitePool');
// In the app the chat's main thread comes first: a query waits a few milliseconds more, the event loop does not.
const priority = (workerData as EmbedWorkerData | undefined)?.background ? lowerThisThreadPriority() : { lowered: false, reason: 'default priority (batch work)' };
const embedder = UseLiteEmbedder.load();
embedder.then((model) => port.postMessage({ backend: model.backend, priority } satisfies WorkerReady), () => undefined); // a failed load answers each request

port.on('message', (request: EmbedRequest | CloseRequest) => {
  if ('close' in request) {
    // Terminating a thread while ONNX Runtime is creating its session aborts the whole process ("terminate called after
    // throwing an instance of 'Napi::Error'"), so the worker lets the load finish, releases the session, and ends itself.
    void embedder.then((model) => model.dispose(), () => undefined).finally(() => port.close());
    return;
  }
  embedder
    .then((model) => model.embed(request.texts))
    .then(
      (vectors) => port.postMessage({ id: request.id, vectors } satisfies EmbedReply, vectors.map((v) => v.buffer as ArrayBuffer)),
      (error: unknown) => port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies EmbedReply),
    );
});
