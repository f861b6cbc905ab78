import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../util/package-root.js';
import { chunk, type Embedder } from './embedder.js';
import { USE_LITE_ID, type EncoderBackend } from './use-lite.js';
import type { CloseRequest, EmbedReply, EmbedRequest, EmbedWorkerData, WorkerReady } from './use-lite-worker.js';

/** The compiled worker script (always the built one: a worker thread runs plain JavaScript). */
export const USE_LITE_WORKER_FILE = join(packageRoot(), 'dist', 'models', 'embed', 'use-lite-worker.js');

/**
 * Texts per request to a worker: large enough that sorting by length inside
 * the worker still groups similar sentences, small enough that both workers
 * get work and finish together.
 */
const REQUEST_TEXTS = 128;

/** How long `dispose` waits for a worker to release its model (loading it takes about a second) before terminating it. */
const CLOSE_WAIT_MS = 10_000;

/** One worker per core, at most 4: each worker's encoder runs on one thread. */
export function defaultEmbedWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

interface Pending {
  resolve: (vectors: Float32Array[]) => void;
  reject: (error: Error) => void;
}

/** Texts waiting for a free worker, with who waits for their vectors. */
interface Queued extends Pending {
  texts: string[];
}

/**
 * The Universal Sentence Encoder lite on several worker threads. ONNX
 * Runtime's `run` holds the thread that calls it, and one encoder runs on one
 * thread, so a pool of `workers` encoders embeds a large batch (LoCoMo's
 * ~8,000 texts) about `workers` times as fast, and the calling thread (the
 * chat's event loop) never runs the model. The
 * vectors are the same as `UseLiteEmbedder`'s, whatever the split (the
 * encoder embeds each sentence on its own). Requests that wait for a worker
 * go to it together, up to `REQUEST_TEXTS` texts: twenty chat queries
 * arriving at once cost a few batched runs of the model, not twenty
 * single-sentence ones queued behind each other. Requests are handed out
 * once the event loop has taken in every request that arrived with them
 * (`setImmediate`), shared evenly among the idle workers: twenty queries
 * become two runs of ten side by side, not one of one and then one of
 * nineteen.
 */
export class UseLitePool implements Embedder {
  readonly id = USE_LITE_ID;
  readonly dimension = 512;
  private readonly pending = new Map<number, Pending>();
  private readonly idle: Worker[];
  private readonly exited = new Set<Worker>();
  private readonly queue: Queued[] = [];
  private nextId = 0;
  private dispatchScheduled = false;
  private failure: Error | undefined;
  private readonly ready: Promise<WorkerReady>;
  private failed: (error: Error) => void = () => undefined;

  private constructor(private readonly workers: Worker[]) {
    this.idle = [...workers];
    let loaded: (ready: WorkerReady) => void = () => undefined;
    this.ready = new Promise((resolve, reject) => {
      loaded = resolve;
      this.failed = reject;
    });
    this.ready.catch(() => undefined); // asked for only by benchmarks; a failure also fails every embed
    for (const worker of workers) {
      worker.on('message', (message: EmbedReply | WorkerReady) => ('backend' in message ? loaded(message) : this.settle(message)));
      worker.on('error', (error) => this.fail(new Error(`an embedding worker failed: ${error.message}`)));
      worker.on('exit', (code) => {
        this.exited.add(worker);
        this.fail(new Error(`an embedding worker stopped (exit code ${code})`));
      });
    }
  }

  /**
   * `background`: the workers run below the main thread's OS priority (Linux), for a process whose event loop
   * serves a chat (the app); batch work (LoCoMo, imports on the command line) keeps the default, so that its
   * embedding is not held back by whatever else the machine runs.
   */
  static start(workers = defaultEmbedWorkers(), file = USE_LITE_WORKER_FILE, { background = false } = {}): UseLitePool {
    if (!existsSync(file)) throw new Error(`the embedding worker ${file} is missing: the engine is not built; run \`npm run build\` in the project folder`);
    return new UseLitePool(Array.from({ length: workers }, () => new Worker(file, { workerData: { background } satisfies EmbedWorkerData })));
  }

  get size(): number {
    return this.workers.length;
  }

  /** What the workers' encoders run on, once the first has loaded its model. */
  async backend(): Promise<EncoderBackend> {
    return (await this.ready).backend;
  }

  /** Whether the workers run below the main thread's OS priority (`start`'s `background`), or why not. */
  async priority(): Promise<WorkerReady['priority']> {
    return (await this.ready).priority;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const parts = await Promise.all(chunk(texts, REQUEST_TEXTS).map((part) => this.request(part)));
    return parts.flat();
  }

  /** Fails what is waiting, then lets each worker release its model and stop; one that has not stopped within `CLOSE_WAIT_MS` is terminated. */
  async dispose(): Promise<void> {
    this.fail(new Error('the embedding pool was closed'));
    await Promise.all(
      this.workers.map(async (worker) => {
        if (this.exited.has(worker)) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ close: true } satisfies CloseRequest);
        const timer = setTimeout(() => void worker.terminate(), CLOSE_WAIT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private request(texts: string[]): Promise<Float32Array[]> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.queue.push({ texts, resolve, reject });
      this.scheduleDispatch();
    });
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /**
   * Gives each idle worker its share of the oldest waiting requests: the
   * waiting texts (up to `REQUEST_TEXTS` a worker) split evenly among the
   * idle workers, whole requests only.
   */
  private dispatch(): void {
    const waiting = this.queue.reduce((sum, queued) => sum + queued.texts.length, 0);
    const share = Math.ceil(Math.min(waiting, REQUEST_TEXTS * this.idle.length) / Math.max(1, this.idle.length));
    while (!this.failure && this.idle.length && this.queue.length) {
      const worker = this.idle.pop()!;
      const batch = [this.queue.shift()!];
      let size = batch[0]!.texts.length;
      while (this.queue.length && size < share && size + this.queue[0]!.texts.length <= REQUEST_TEXTS) {
        size += this.queue[0]!.texts.length;
        batch.push(this.queue.shift()!);
      }
      const done = () => {
        this.idle.push(worker);
        this.scheduleDispatch();
      };
      const id = this.nextId++;
      this.pending.set(id, {
        resolve: (vectors) => {
          let at = 0;
          for (const request of batch) request.resolve(vectors.slice(at, (at += request.texts.length)));
          done();
        },
        reject: (error) => {
          for (const request of batch) request.reject(error);
          done();
        },
      });
      worker.postMessage({ id, texts: batch.flatMap((request) => request.texts) } satisfies EmbedRequest);
    }
  }

  private settle(reply: EmbedReply): void {
    const pending = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if ('error' in reply) pending?.reject(new Error(`embedding failed in a worker: ${reply.error}`));
    else pending?.resolve(reply.vectors);
  }

  /** A dead worker fails everything in flight, everything waiting and every later call: the pool never hangs. */
  private fail(error: Error): void {
    this.failure ??= error;
    this.failed(this.failure);
    for (const queued of this.queue.splice(0)) queued.reject(this.failure);
    const inFlight = [...this.pending.values()];
    this.pending.clear();
    for (const pending of inFlight) pending.reject(this.failure);
  }
}
