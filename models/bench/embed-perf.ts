import { createHistogram } from 'node:perf_hooks';
import type { Embedder } from '../embed/embedder.js';
import { UseLiteEmbedder } from '../embed/use-lite.js';
import type { UseLitePool } from '../embed/use-lite-pool.js';
import { round } from './stats.js';

export interface EmbedFigures {
  embedder: string;
  /** The TensorFlow.js backend the pool's workers run. */
  backend: string;
  workers: number;
  sentences: number;
  /** The app's path: the worker pool, all sentences in one call (as an import or `addMany` embeds). */
  sentences_per_s: number;
  /** The path before the pool, in the same run: the encoder on the calling thread, 64 sentences per call (fewer sentences). */
  single_thread_sentences_per_s: number;
  /** sentences_per_s / single_thread_sentences_per_s (target ≥ 2). */
  speedup: number;
  /** The calling thread's longest stretches without an event-loop turn while chat queries are embedded one at a time on the pool. */
  query_block_p99_ms: number;
  query_block_max_ms: number;
  /**
   * The floor: the same ticker for as long, with the queries replaced by waits of the same length (nothing embedded).
   * On a shared two-core machine the scheduler alone leaves gaps of a few milliseconds.
   */
  idle_block_max_ms: number;
  /** Whether the pool's workers run below the main thread's OS priority, or why not. */
  workers_priority: string;
  /** The same queries embedded on the calling thread, as the chat did before the pool. */
  single_thread_query_block_max_ms: number;
}

const SUBJECTS = ['Caroline', 'Melanie', 'my sister', 'the team', 'our neighbour', 'Jon', 'Gina'];
const VERBS = ['went to', 'talked about', 'is planning', 'bought', 'loves', 'painted', 'signed up for', 'visited'];
const OBJECTS = ['a pottery class', 'the beach at sunset', 'a new guitar', 'the LGBTQ support group', 'a charity run', 'her grandmother in Sweden', 'a camping trip in the mountains', 'an adoption agency'];
const WHEN = ['yesterday', 'last weekend', 'on 8 May 2023', 'two years ago', 'next month', 'every Sunday'];
const QUERIES = 40;
const BASELINE_SENTENCES = 256;

/** LoCoMo-like sentences, varied enough that batching cannot shortcut repeated inputs. */
function sentences(count: number, salt = 0): string[] {
  return Array.from({ length: count }, (_, i) => {
    const pick = <T>(list: readonly T[], step: number) => list[(i * step + (i >> 3) + salt) % list.length]!;
    return `${pick(SUBJECTS, 7)} ${pick(VERBS, 11)} ${pick(OBJECTS, 13)} ${pick(WHEN, 17)} (note ${i + salt}).`;
  });
}

/**
 * USE-lite's throughput on the app's path (the worker pool) against the
 * calling-thread encoder in the same run, and how long a chat query's
 * embedding holds up the calling thread's event loop on each.
 */
export async function measureEmbedding(pool: UseLitePool, count: number, onProgress?: (stage: string, done: number, total: number) => void): Promise<EmbedFigures> {
  const texts = sentences(count);
  await pool.embed(sentences(64 * pool.size, 10_000)); // warm-up: every worker compiles its kernels on first use
  onProgress?.('embed: pool', 0, 1);
  let started = performance.now();
  await pool.embed(texts);
  const pooled = texts.length / ((performance.now() - started) / 1000);
  const poolBlock = await queryBlock(pool);
  const idleBlock = await idleBlockLike(poolBlock.elapsedMs);
  onProgress?.('embed: pool', 1, 1);

  const direct = await UseLiteEmbedder.load();
  try {
    const baseline = texts.slice(0, BASELINE_SENTENCES);
    await direct.embed(sentences(32, 20_000));
    started = performance.now();
    for (let done = 0; done < baseline.length; done += 64) {
      await direct.embed(baseline.slice(done, done + 64));
      onProgress?.('embed: calling thread', Math.min(baseline.length, done + 64), baseline.length);
    }
    const single = baseline.length / ((performance.now() - started) / 1000);
    const directBlock = await queryBlock(direct);
    return {
      embedder: pool.id,
      backend: (await pool.backend()).name,
      workers: pool.size,
      sentences: texts.length,
      sentences_per_s: round(pooled, 1),
      single_thread_sentences_per_s: round(single, 1),
      speedup: round(pooled / single, 2),
      query_block_p99_ms: poolBlock.p99,
      query_block_max_ms: poolBlock.max,
      idle_block_max_ms: idleBlock.max,
      workers_priority: (await pool.priority()).reason,
      single_thread_query_block_max_ms: directBlock.max,
    };
  } finally {
    await direct.dispose();
  }
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
async function queryBlock(embedder: Embedder): Promise<{ p99: number; max: number; elapsedMs: number }> {
  const questions = sentences(QUERIES, 30_000).map((s) => `What do you remember about ${s}?`);
  return tickerGaps(async () => {
    for (const question of questions) await embedder.embed([question]);
  });
}

/** The same ticker over `ms` of waiting in slices (as one query after another), embedding nothing: the machine's own gaps. */
function idleBlockLike(ms: number): Promise<{ max: number }> {
  const slices = QUERIES;
  return tickerGaps(async () => {
    for (let i = 0; i < slices; i++) await new Promise((resolve) => setTimeout(resolve, ms / slices));
  });
}

async function tickerGaps(work: () => Promise<void>): Promise<{ p99: number; max: number; elapsedMs: number }> {
  const gaps = createHistogram();
  let last = process.hrtime.bigint();
  let ticking = true;
  const tick = () => {
    const now = process.hrtime.bigint();
    gaps.record(now > last ? now - last : 1n);
    last = now;
    if (ticking) setImmediate(tick);
  };
  const started = performance.now();
  setImmediate(tick);
  await work();
  ticking = false;
  const elapsedMs = performance.now() - started;
  await new Promise((resolve) => setImmediate(resolve));
  return { p99: round(gaps.percentile(99) / 1e6, 1), max: round(gaps.max / 1e6, 1), elapsedMs };
}
