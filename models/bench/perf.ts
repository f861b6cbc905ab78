import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { UseLitePool } from '../embed/use-lite-pool.js';
import { MemoryStore } from '../memory/store.js';
import { measureChatOverhead, measureColdStart, type AppFigures, type ChatFigures } from './app-perf.js';
import { bulkLoadMemories } from './bulk-load.js';
import { measureEmbedding, type EmbedFigures } from './embed-perf.js';
import { measureLlm, type LlmFigures } from './llm-perf.js';
import { measureRl, type RlFigures } from './rl-perf.js';
import { floorTopK } from './scan-floor.js';
import { quantile, round } from './stats.js';
import { measureServe, type ServeFigures } from './serve-perf.js';
import { SyntheticEmbedder, TopicVectors } from './synthetic-vectors.js';
import { measureUpdaterLag, type UpdaterFigures } from './updater-perf.js';
import { ensureTfBackend } from '../util/tf-backend.js';

export interface RetrievalFigures {
  memories: number;
  queries: number;
  k: number;
  /** `MemoryStore.search`: the in-memory mirror's SIMD scan (exact). */
  p50_ms: number;
  p95_ms: number;
  /** The floor: a plain JavaScript exact scan (scan-floor.ts) over the same vectors and queries, timed in the same loop. */
  floor_p50_ms: number;
  floor_p95_ms: number;
  /** p95_ms / floor_p95_ms, the figure that holds across machines (targets: ≤ 1 up to 10k, ≤ 0.5 at 100k). */
  p95_vs_floor: number;
  /** Share of the floor's exact top-k that the store returned. */
  recall_vs_exact: number;
  /** LanceDB's own vector search, as the store answered before the mirror: an `exact` scan, or `ivf_flat` once it built its index. */
  lance_search: 'exact' | 'ivf_flat';
  lance_p95_ms: number;
  /** Memory held by the store's vector mirror. */
  mirror_mb: number;
  load_s: number;
  /** `store.open_ms`: median time to open the store at this size (every table's current version verified: manifests and data files). */
  open_ms: number;
}

/** Each section is measured unless `only` leaves it out. */
export interface PerfReport {
  /** `tf_backend`: what TensorFlow.js (the policies, training) runs on; the embedder's backend is in `embed`. */
  machine: { cpus: number; cpu_model: string; node: string; tf_backend: string };
  retrieval?: Record<string, RetrievalFigures>;
  embed?: EmbedFigures;
  rl?: RlFigures;
  /** `floor_p95_ms`: the floor at the chat's memory count (`retrieval.<n>.floor_p95_ms` when that size ran, else timed alone). */
  chat?: ChatFigures & { floor_p95_ms: number; overhead_vs_floor: number };
  /** Clients at once on web mode: searches (API and MCP) and chat turns, at the chat's memory count. */
  serve?: ServeFigures;
  app?: AppFigures;
  updater?: UpdaterFigures;
  llm?: LlmFigures;
}

export const PERF_SECTIONS = ['retrieval', 'embed', 'rl', 'chat', 'serve', 'app', 'updater', 'llm'] as const;
export type PerfSection = (typeof PERF_SECTIONS)[number];

export interface PerfOptions {
  sizes: number[];
  queries: number;
  k: number;
  sentences: number;
  /** Chat overhead: memories in the store, and timed turns. */
  chatMemories: number;
  chatTurns: number;
  /** Cold starts of `memr1 serve` to time. */
  startRuns: number;
  /** Seeded generations per agent format in the `llm` section (with and without the grammar). */
  llmGenerations: number;
  /** The sections to measure (default all). */
  only?: readonly PerfSection[];
  onProgress?: (stage: string, done: number, total: number) => void;
}

const DIMENSION = 512;
const LOAD_BATCH = 10_000;
/** Opens timed per size (the median is reported). */
const OPEN_RUNS = 5;
/** Issue 17's load: 20 clients at once, 10 rounds of it (200 searches, 200 chat turns). */
const SERVE_CONCURRENCY = 20;
const SERVE_ROUNDS = 10;

/**
 * Measures top-k retrieval latency through `MemoryStore.search` on real LanceDB
 * files at several sizes (synthetic 512-d topic vectors stand in for
 * embeddings at scale), the default embedder's throughput on real text, the
 * RL hot paths (a GRPO update, a manager decision), the chat's overhead
 * before the first token, web mode's cold start, and the main process's
 * event-loop delay while the learning updater trains.
 */
export async function runPerfBench(options: PerfOptions): Promise<PerfReport> {
  const wanted = (section: PerfSection) => !options.only || options.only.includes(section);
  const report: Omit<PerfReport, 'machine'> = {};
  if (wanted('retrieval')) {
    report.retrieval = {};
    for (const size of options.sizes) report.retrieval[String(size)] = await measureRetrieval(size, options);
  }
  if (wanted('llm')) report.llm = await measureLlm(options.llmGenerations, options.onProgress);
  // The app's embedder: USE-lite on the worker pool, below the main thread's priority as in the app (assistant.ts).
  const embedder = UseLitePool.start(undefined, undefined, { background: true });
  try {
    if (wanted('embed')) report.embed = await measureEmbedding(embedder, options.sentences, options.onProgress);
    if (wanted('rl')) report.rl = await measureRl(embedder, options.onProgress);
    if (wanted('chat')) {
      const chat = await measureChatOverhead(embedder, options.chatMemories, options.chatTurns, options.onProgress);
      const floor = report.retrieval?.[String(options.chatMemories)]?.floor_p95_ms ?? (await measureFloorP95(options.chatMemories, options.queries, options.k));
      report.chat = { ...chat, floor_p95_ms: floor, overhead_vs_floor: round(chat.overhead_p95_ms / floor, 3) };
    }
    if (wanted('serve')) report.serve = await measureServe(embedder, options.chatMemories, SERVE_CONCURRENCY, SERVE_ROUNDS, options.onProgress);
    if (wanted('app')) report.app = await measureColdStart(options.startRuns, options.onProgress);
    if (wanted('updater')) report.updater = await measureUpdaterLag(embedder, options.onProgress);
    const tfBackend = (await ensureTfBackend()).name;
    return { machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', node: process.version, tf_backend: tfBackend }, ...report };
  } finally {
    await embedder.dispose();
  }
}

async function measureRetrieval(size: number, options: PerfOptions): Promise<RetrievalFigures> {
  const dir = mkdtempSync(join(tmpdir(), `memr1-bench-${size}-`));
  const vectors = new TopicVectors(DIMENSION, Math.max(50, Math.round(size / 50)), size);
  const embedder = new SyntheticEmbedder(vectors);
  let store = await MemoryStore.open({ uri: dir, embedder });
  try {
    const started = performance.now();
    const content = { text: (i: number) => `synthetic memory ${i}`, subject: (i: number) => (i % 2 ? 'speaker_a' : 'speaker_b') };
    await bulkLoadMemories(store, size, vectors, content, LOAD_BATCH, (loaded) => options.onProgress?.(`load ${size.toLocaleString('en')}`, loaded, size));
    const loadSeconds = (performance.now() - started) / 1000;
    const openTimes: number[] = [];
    for (let run = 0; run < OPEN_RUNS; run++) {
      await store.close();
      const t0 = performance.now();
      store = await MemoryStore.open({ uri: dir, embedder });
      openTimes.push(performance.now() - t0);
    }
    const indexed = (await store.tables.memories.listIndices()).some((index) => index.columns.includes('vector'));

    // The same vectors in one Float32Array for the floor: a twin generator replays the loader's sequence (ids m0, m1, ...).
    const twin = new TopicVectors(DIMENSION, Math.max(50, Math.round(size / 50)), size);
    const rows = new Float32Array(size * DIMENSION);
    for (let i = 0; i < size; i++) rows.set(twin.next(), i * DIMENSION);
    const queries = Array.from({ length: options.queries }, () => vectors.next());
    for (const query of queries.slice(0, 10)) {
      await store.search(query, { k: options.k }); // warm caches and the mirror
      floorTopK(rows, DIMENSION, query, options.k);
    }
    const times: number[] = [];
    const floorTimes: number[] = [];
    const lanceTimes: number[] = [];
    let found = 0;
    for (const [i, query] of queries.entries()) {
      // Interleaved, so that both see the same load on a shared machine.
      let t0 = performance.now();
      const exact = new Set(floorTopK(rows, DIMENSION, query, options.k).map((row) => `m${row}`));
      floorTimes.push(performance.now() - t0);
      t0 = performance.now();
      const results = await store.search(query, { k: options.k });
      times.push(performance.now() - t0);
      t0 = performance.now();
      await store.search(query, { k: options.k, lance: indexed ? 'index' : 'exact' });
      lanceTimes.push(performance.now() - t0);
      found += results.filter((r) => exact.has(r.memory.id)).length;
      options.onProgress?.(`query ${size.toLocaleString('en')}`, i + 1, queries.length);
    }
    const p95 = quantile(times, 0.95);
    const floorP95 = quantile(floorTimes, 0.95);
    return {
      memories: size,
      queries: queries.length,
      k: options.k,
      p50_ms: round(quantile(times, 0.5)),
      p95_ms: round(p95),
      floor_p50_ms: round(quantile(floorTimes, 0.5)),
      floor_p95_ms: round(floorP95),
      p95_vs_floor: round(p95 / floorP95, 3),
      recall_vs_exact: round(found / (options.k * queries.length), 4),
      lance_search: indexed ? 'ivf_flat' : 'exact',
      lance_p95_ms: round(quantile(lanceTimes, 0.95)),
      mirror_mb: round((await store.vectorMirrorBytes()) / 2 ** 20, 1),
      load_s: round(loadSeconds, 1),
      open_ms: round(quantile(openTimes, 0.5)),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The floor's p95 alone, for a section that needs it at a size the retrieval section did not run. */
async function measureFloorP95(size: number, queries: number, k: number): Promise<number> {
  const vectors = new TopicVectors(DIMENSION, Math.max(50, Math.round(size / 50)), size);
  const rows = new Float32Array(size * DIMENSION);
  for (let i = 0; i < size; i++) rows.set(vectors.next(), i * DIMENSION);
  const times: number[] = [];
  for (let i = 0; i < queries + 10; i++) {
    const query = vectors.next();
    const t0 = performance.now();
    floorTopK(rows, DIMENSION, query, k);
    if (i >= 10) times.push(performance.now() - t0); // the first ten warm the JIT
    await new Promise((resolve) => setImmediate(resolve));
  }
  return round(quantile(times, 0.95));
}
