import { createHistogram } from 'node:perf_hooks';
import type { Embedder } from '../embed/embedder.js';
import { UseLiteEmbedder } from '../embed/use-lite.js';
import type { UseLitePool } from '../embed/use-lite-pool.js';
import { UseLiteTfjsReference } from '../embed/use-lite-tfjs.js';
import { round } from './stats.js';
import { readThreadSchedstat } from './thread-schedstat.js';

export interface EmbedFigures {
  embedder: string;
  /** What the pool's encoders run on. */
  backend: string;
  workers: number;
  sentences: number;
  /** The app's path: the worker pool, all sentences in one call (as an import or `addMany` embeds). */
  sentences_per_s: number;
  /** The same encoder on the calling thread, 64 sentences per call (fewer sentences): what the pool adds. */
  single_thread_sentences_per_s: number;
  /** The encoder before, in the same run: the published TF.js graph on the calling thread, 64 sentences per call. */
  reference_sentences_per_s: number;
  /** The TensorFlow.js backend the reference ran on. */
  reference_backend: string;
  /** sentences_per_s / reference_sentences_per_s (target ≥ 2). */
  speedup: number;
  /** The calling thread's longest stretches without an event-loop turn while chat queries are embedded one at a time on the pool (wall clock). */
  query_block_p99_ms: number;
  query_block_max_ms: number;
  /**
   * Of those stretches, the longest the thread spent running code: each gap less the time the thread waited for
   * a core within it (Linux schedstat's run-queue delay). What the embedding holds the event loop for; the rest of
   * a gap is the OS running another thread on the main thread's core (`query_run_queue_ms`). Null off Linux.
   */
  query_block_busy_max_ms: number | null;
  /** Total time the calling thread was ready but waited for a core while the queries ran: the OS ran another thread (a worker) on its core. Null off Linux. */
  query_run_queue_ms: number | null;
  /**
   * The floor: the same ticker for as long, with the queries replaced by waits of the same length (nothing embedded).
   * On a shared two-core machine the scheduler alone leaves gaps of a few milliseconds.
   */
  idle_block_max_ms: number;
  /** Whether the pool's workers run below the main thread's OS priority, or why not. */
  workers_priority: string;
  /** The same queries embedded by the encoder on the calling thread (what the pool spares the chat). */
  single_thread_query_block_max_ms: number;
}

const SUBJECTS = ['Caroline', 'Melanie', 'my sister', 'the team', 'our neighbour', 'Jon', 'Gina'];
const VERBS = ['went to', 'talked about', 'is planning', 'bought', 'loves', 'painted', 'signed up for', 'visited'];
const OBJECTS = ['a pottery class', 'the beach at sunset', 'a new guitar', 'the LGBTQ support group', 'a charity run', 'her grandmother in Sweden', 'a camping trip in the mountains', 'an adoption agency'];
const WHEN = ['yesterday', 'last weekend', 'on 8 May 2023', 'two years ago', 'next month', 'every Sunday'];
const QUERIES = 40;
/** Sentences the calling-thread encoders embed (the reference takes ~30 ms each). */
const BASELINE_SENTENCES = 256;

/** LoCoMo-like sentences, varied enough that batching cannot shortcut repeated inputs. */
function sentences(count: number, salt = 0): string[] {
  return Array.from({ length: count }, (_, i) => {
    const pick = <T>(list: readonly T[], step: number) => list[(i * step + (i >> 3) + salt) % list.length]!;
    return `${pick(SUBJECTS, 7)} ${pick(VERBS, 11)} ${pick(OBJECTS, 13)} ${pick(WHEN, 17)} (note ${i + salt}).`;
  });
}

/**
 * USE-lite's throughput on the app's path (the worker pool) against the same
 * encoder on the calling thread and the encoder before (the published TF.js
 * graph), in the same run, and how long a chat query's embedding holds up the
 * calling thread's event loop on the pool and on the calling thread.
 */
export async function measureEmbedding(pool: UseLitePool, count: number, onProgress?: (stage: string, done: number, total: number) => void): Promise<EmbedFigures> {
  const texts = sentences(count);
  await pool.embed(sentences(64 * pool.size, 10_000)); // warm-up: every worker runs its encoder once first
  onProgress?.('embed: pool', 0, 1);
  const started = performance.now();
  await pool.embed(texts);
  const pooled = texts.length / ((performance.now() - started) / 1000);
  const poolBlock = await queryBlock(pool);
  const idleBlock = await idleBlockLike(poolBlock.elapsedMs);
  onProgress?.('embed: pool', 1, 1);

  const baseline = texts.slice(0, BASELINE_SENTENCES);
  const direct = await UseLiteEmbedder.load();
  try {
    const single = await throughput(direct, baseline, (done) => onProgress?.('embed: calling thread', done, baseline.length));
    const directBlock = await queryBlock(direct);
    const reference = await UseLiteTfjsReference.load();
    try {
      const referenceRate = await throughput(reference, baseline, (done) => onProgress?.('embed: TF.js reference', done, baseline.length));
      return {
        embedder: pool.id,
        backend: (await pool.backend()).name,
        workers: pool.size,
        sentences: texts.length,
        sentences_per_s: round(pooled, 1),
        single_thread_sentences_per_s: round(single, 1),
        reference_sentences_per_s: round(referenceRate, 1),
        reference_backend: reference.backend.name,
        speedup: round(pooled / referenceRate, 2),
        query_block_p99_ms: poolBlock.p99,
        query_block_max_ms: poolBlock.max,
        query_block_busy_max_ms: poolBlock.busyMax ?? null,
        query_run_queue_ms: poolBlock.runQueueMs ?? null,
        idle_block_max_ms: idleBlock.max,
        workers_priority: (await pool.priority()).reason,
        single_thread_query_block_max_ms: directBlock.max,
      };
    } finally {
      await reference.dispose();
    }
  } finally {
    await direct.dispose();
  }
}

/** Sentences per second of `embedder` on `texts`, 64 per call after a warm-up call. */
async function throughput(embedder: Embedder, texts: readonly string[], onProgress: (done: number) => void): Promise<number> {
  await embedder.embed(sentences(32, 20_000));
  const started = performance.now();
  for (let done = 0; done < texts.length; done += 64) {
    await embedder.embed(texts.slice(done, done + 64));
    onProgress(Math.min(texts.length, done + 64));
  }
  return texts.length / ((performance.now() - started) / 1000);
}

/**
 * The longest stretches without an event-loop turn while chat-like questions
 * are embedded one at a time, from a `setImmediate` ticker. (Node's
 * `monitorEventLoopDelay` misses the calling-thread encoder: TF.js chains
 * promises, so its timer never fires until all the queries are done.) The
 * gaps go into a native histogram: a JavaScript array of every gap (a
 * million ticks a run) grew by copying and its garbage collections were
 * most of the longest "blocks" measured.
 */
async function queryBlock(embedder: Embedder): Promise<TickerGaps> {
  const questions = sentences(QUERIES, 30_000).map((s) => `What do you remember about ${s}?`);
  return tickerGaps(async () => {
    for (const question of questions) await embedder.embed([question]);
  });
}

/** The same ticker over `ms` of waiting in slices (as one query after another), embedding nothing: the machine's own gaps. */
function idleBlockLike(ms: number): Promise<TickerGaps> {
  const slices = QUERIES;
  return tickerGaps(async () => {
    for (let i = 0; i < slices; i++) await new Promise((resolve) => setTimeout(resolve, ms / slices));
  });
}

interface TickerGaps {
  p99: number;
  max: number;
  /** The longest stretch without a turn that the thread spent running (not waiting for a core); undefined off Linux. */
  busyMax: number | undefined;
  /** Total time the thread waited for a core while `work` ran; undefined off Linux. */
  runQueueMs: number | undefined;
  elapsedMs: number;
}

async function tickerGaps(work: () => Promise<void>): Promise<TickerGaps> {
  const gaps = createHistogram();
  let busyMaxNs = 0n;
  let last = process.hrtime.bigint();
  const first = readThreadSchedstat();
  let lastRunQueue = first?.runQueueNs ?? 0;
  let ticking = true;
  const tick = () => {
    const now = process.hrtime.bigint();
    const gap = now > last ? now - last : 1n;
    gaps.record(gap);
    last = now;
    if (first) {
      // The wait is booked when the thread gets its core back, so by this turn it covers the whole gap.
      const runQueue = readThreadSchedstat()!.runQueueNs;
      const busy = gap - BigInt(runQueue - lastRunQueue);
      if (busy > busyMaxNs) busyMaxNs = busy;
      lastRunQueue = runQueue;
    }
    if (ticking) setImmediate(tick);
  };
  const started = performance.now();
  setImmediate(tick);
  await work();
  ticking = false;
  const elapsedMs = performance.now() - started;
  const end = readThreadSchedstat();
  await new Promise((resolve) => setImmediate(resolve));
  return {
    p99: round(gaps.percentile(99) / 1e6, 1),
    max: round(gaps.max / 1e6, 1),
    busyMax: first ? round(Number(busyMaxNs) / 1e6, 1) : undefined,
    runQueueMs: first && end ? round((end.runQueueNs - first.runQueueNs) / 1e6, 1) : undefined,
    elapsedMs,
  };
}
