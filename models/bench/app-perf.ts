import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Assistant } from '../api/assistant.js';
import type { Embedder } from '../embed/embedder.js';
import { ScriptedChatModel } from '../llm/scripted-model.js';
import { MemoryStore } from '../memory/store.js';
import { packageRoot } from '../util/package-root.js';
import { profileLayout } from '../util/profile-layout.js';
import { bulkLoadMemories } from './bulk-load.js';
import { quantile, round } from './stats.js';
import { TopicVectors } from './synthetic-vectors.js';

export interface ChatFigures {
  memories: number;
  turns: number;
  /** From sending a message to its first streamed token, with a model whose first token is immediate. */
  overhead_p50_ms: number;
  overhead_p95_ms: number;
}

export interface AppFigures {
  runs: number;
  /** `memr1 serve` spawned → first successful `GET /`, median over fresh profiles. */
  cold_start_ms: number;
  cold_start_max_ms: number;
}

type Progress = (stage: string, done: number, total: number) => void;

const SUBJECTS = ['user', 'Ana', 'Marco', 'the team'];
const TOPICS = ['tea', 'the dentist', 'a trip to Kyoto', 'running', 'the guitar lessons', 'the new flat', 'Python', 'a birthday party', 'the garden', 'a job interview'];

/**
 * The chat's own latency before the model speaks (DESIGN §4.1): log the
 * message, embed the question, retrieve 60 candidates from the real store
 * (hybrid vector + BM25), distil them, read the session and build the
 * prompt. The chat model answers instantly (the scripted one), so what is
 * timed is everything but generation. The memories are synthetic (texts from
 * a small vocabulary, vectors clustered like sentence embeddings) so that
 * 10,000 of them load in seconds; the questions go through the real embedder.
 */
export async function measureChatOverhead(embedder: Embedder, memories: number, turns: number, onProgress?: Progress): Promise<ChatFigures> {
  const profileDir = mkdtempSync(join(tmpdir(), 'memr1-bench-chat-'));
  try {
    await loadSyntheticMemories(profileDir, embedder, memories, onProgress);
    // The scripted model yields its first word at once: the figure is the app's overhead, not a model's speed.
    const assistant = await Assistant.open({ profileDir, embedder, chatModel: new ScriptedChatModel([], 'Okay, noted.', 'instant') });
    try {
      const times: number[] = [];
      const warmup = 5;
      for (let turn = 0; turn < warmup + turns; turn++) {
        const question = `What do you remember about ${TOPICS[turn % TOPICS.length]} and ${SUBJECTS[turn % SUBJECTS.length]} (${turn})?`;
        const started = performance.now();
        let firstToken: number | undefined;
        const events: Array<{ type: string }> = [];
        await assistant.dispatch('chat.send', { text: question, session_id: 'bench' }, (event) => {
          firstToken ??= (event as { type: string }).type === 'token' ? performance.now() : undefined;
          events.push(event as { type: string });
        });
        if (firstToken === undefined) throw new Error(`chat turn ${turn} streamed no token: ${JSON.stringify(events)}`);
        if (turn >= warmup) times.push(firstToken - started);
        onProgress?.('chat turns', turn + 1, warmup + turns);
      }
      return { memories, turns, overhead_p50_ms: round(quantile(times, 0.5)), overhead_p95_ms: round(quantile(times, 0.95)) };
    } finally {
      await assistant.close();
    }
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}

/** Bulk-loads the profile's memory table (not through the journal: the benches measure reads, not writes). */
export async function loadSyntheticMemories(profileDir: string, embedder: Embedder, count: number, onProgress?: Progress): Promise<void> {
  const store = await MemoryStore.open({ uri: profileLayout(profileDir).memory, embedder });
  try {
    const vectors = new TopicVectors(embedder.dimension, Math.max(50, Math.round(count / 50)), count);
    const content = {
      text: (i: number) => `${SUBJECTS[i % SUBJECTS.length]} talked about ${TOPICS[(i * 7) % TOPICS.length]} on day ${i % 365} (note ${i}).`,
      subject: (i: number) => SUBJECTS[i % SUBJECTS.length]!,
    };
    await bulkLoadMemories(store, count, vectors, content, 5_000, (loaded) => onProgress?.('chat: load memories', loaded, count));
  } finally {
    await store.close();
  }
}

/**
 * Web mode's cold start as a user meets it: `node bin/memr1.js serve` is
 * spawned on a fresh profile, and the clock stops at the first successful
 * `GET /` of the address it prints (the engine is open by then: the address
 * is printed once the profile, embedder and policies are loaded).
 */
export async function measureColdStart(runs: number, onProgress?: Progress): Promise<AppFigures> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    times.push(await timeOneStart());
    onProgress?.('app: cold starts', run + 1, runs);
  }
  return { runs, cold_start_ms: round(quantile(times, 0.5), 0), cold_start_max_ms: round(Math.max(...times), 0) };
}

async function timeOneStart(): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'memr1-bench-start-'));
  const started = performance.now();
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'memr1.js'), 'serve', '--port', '0', '--profile', join(home, 'profile')], {
    env: { ...process.env, MEMR1_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      createInterface({ input: child.stdout }).on('line', (line) => {
        const match = /(http:\/\/\S+?\/)#token=/.exec(line);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`memr1 serve exited (${code}) before printing its address: ${stderr}`)));
    });
    const page = await fetch(url);
    if (!page.ok) throw new Error(`GET ${url} answered ${page.status}`);
    await page.arrayBuffer();
    return performance.now() - started;
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(home, { recursive: true, force: true });
  }
}
