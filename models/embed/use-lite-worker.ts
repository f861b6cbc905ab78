import { parentPort } from 'node:worker_threads';
import type { TfBackendInfo } from '../util/tf-backend.js';
import { UseLiteEmbedder } from './use-lite.js';

/** A request from `UseLitePool`: texts to embed, answered under the same id. */
export interface EmbedRequest {
  id: number;
  texts: string[];
}

/** The answer: the vectors in order, or why they could not be made. */
export type EmbedReply = { id: number; vectors: Float32Array[] } | { id: number; error: string };

/** Sent once, when the model has loaded: which TensorFlow.js backend runs it. */
export interface WorkerReady {
  backend: TfBackendInfo;
}

const port = parentPort;
if (!port) throw new Error('use-lite-worker runs as a worker thread of UseLitePool');
const embedder = UseLiteEmbedder.load();
embedder.then((model) => port.postMessage({ backend: model.backend } satisfies WorkerReady), () => undefined); // a failed load answers each request

port.on('message', (request: EmbedRequest) => {
  embedder
    .then((model) => model.embed(request.texts))
    .then(
      (vectors) => port.postMessage({ id: request.id, vectors } satisfies EmbedReply, vectors.map((v) => v.buffer as ArrayBuffer)),
      (error: unknown) => port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies EmbedReply),
    );
});
