import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Embedder } from '../embed/embedder.js';
import { UseLiteEmbedder } from '../embed/use-lite.js';
import { MemoryStore } from '../memory/store.js';
import { measureChatOverhead, measureColdStart, type AppFigures, type ChatFigures } from './app-perf.js';
import { bulkLoadMemories } from './bulk-load.js';
import { measureLlm, type LlmFigures } from './llm-perf.js';
import { measureRl, type RlFigures } from './rl-perf.js';
import { quantile, round } from './stats.js';
import { SyntheticEmbedder, TopicVectors } from './synthetic-vectors.js';
import { measureUpdaterLag, type UpdaterFigures } from './updater-perf.js';

export interface RetrievalFigures {
  memories: number;
  queries: number;
  k: number;
  p50_ms: number;
  p95_ms: number;
  /** `exact` scan, or `ivf_flat` once the store built its index. */
  search: 'exact' | 'ivf_flat';
  /** Share of the exact top-k that the indexed search returned (1 for an exact scan). */
  recall_vs_exact: number;
  load_s: number;
  /** `store.open_ms`: median time to open the store at this size (every table's current version verified: manifests and data files). */
  open_ms: number;
}

/** Each section is measured unless `only` leaves it out. */
export interface PerfReport {
  machine: { cpus: number; cpu_model: string; node: string; tf_backend: string };
  retrieval?: Record<string, RetrievalFigures>;
  embed?: { embedder: string; sentences: number; sentences_per_s: number; backend: string };
  rl?: RlFigures;
  chat?: ChatFigures;
  app?: AppFigures;
  updater?: UpdaterFigures;
  llm?: LlmFigures;
}

export const PERF_SECTIONS = ['retrieval', 'embed', 'rl', 'chat', 'app', 'updater', 'llm'] as const;
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
  const embedder = await UseLiteEmbedder.load();
  try {
    if (wanted('embed')) report.embed = { ...(await measureEmbedding(embedder, options)), backend: embedder.backend.name };
    if (wanted('rl')) report.rl = await measureRl(embedder, options.onProgress);
    if (wanted('chat')) report.chat = await measureChatOverhead(embedder, options.chatMemories, options.chatTurns, options.onProgress);
    if (wanted('app')) report.app = await measureColdStart(options.startRuns, options.onProgress);
    if (wanted('updater')) report.updater = await measureUpdaterLag(embedder, options.onProgress);
    return { machine: { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', node: process.version, tf_backend: embedder.backend.name }, ...report };
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

    const queries = Array.from({ length: options.queries }, () => vectors.next());
    for (const query of queries.slice(0, 10)) await store.search(query, { k: options.k }); // warm caches
    const times: number[] = [];
    let found = 0;
    for (const [i, query] of queries.entries()) {
      const t0 = performance.now();
      const results = await store.search(query, { k: options.k });
      times.push(performance.now() - t0);
      const exact = new Set((await store.search(query, { k: options.k, exact: true })).map((r) => r.memory.id));
      found += results.filter((r) => exact.has(r.memory.id)).length;
      options.onProgress?.(`query ${size.toLocaleString('en')}`, i + 1, queries.length);
    }
    return {
      memories: size,
      queries: queries.length,
      k: options.k,
      p50_ms: round(quantile(times, 0.5)),
      p95_ms: round(quantile(times, 0.95)),
      search: indexed ? 'ivf_flat' : 'exact',
      recall_vs_exact: round(found / (options.k * queries.length), 4),
      load_s: round(loadSeconds, 1),
      open_ms: round(quantile(openTimes, 0.5)),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const SUBJECTS = ['Caroline', 'Melanie', 'my sister', 'the team', 'our neighbour', 'Jon', 'Gina'];
const VERBS = ['went to', 'talked about', 'is planning', 'bought', 'loves', 'painted', 'signed up for', 'visited'];
const OBJECTS = ['a pottery class', 'the beach at sunset', 'a new guitar', 'the LGBTQ support group', 'a charity run', 'her grandmother in Sweden', 'a camping trip in the mountains', 'an adoption agency'];
const WHEN = ['yesterday', 'last weekend', 'on 8 May 2023', 'two years ago', 'next month', 'every Sunday'];

/** LoCoMo-like sentences, varied enough that batching cannot shortcut repeated inputs. */
function sentences(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const pick = <T>(list: readonly T[], salt: number) => list[(i * salt + (i >> 3)) % list.length]!;
    return `${pick(SUBJECTS, 7)} ${pick(VERBS, 11)} ${pick(OBJECTS, 13)} ${pick(WHEN, 17)} (note ${i}).`;
  });
}

async function measureEmbedding(embedder: Embedder, options: PerfOptions): Promise<{ embedder: string; sentences: number; sentences_per_s: number }> {
  const texts = sentences(options.sentences);
  await embedder.embed(texts.slice(0, 32)); // warm-up: kernels compile on first use
  const started = performance.now();
  const step = 64;
  for (let done = 0; done < texts.length; done += step) {
    await embedder.embed(texts.slice(done, done + step));
    options.onProgress?.('embed', Math.min(texts.length, done + step), texts.length);
  }
  const seconds = (performance.now() - started) / 1000;
  return { embedder: embedder.id, sentences: texts.length, sentences_per_s: round(texts.length / seconds, 1) };
}
