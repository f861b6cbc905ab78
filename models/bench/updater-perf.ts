import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Assistant } from '../api/assistant.js';
import type { TrainingEvent } from '../contract/learning-schemas.js';
import type { Embedder } from '../embed/embedder.js';
import { ScriptedChatModel } from '../llm/scripted-model.js';
import { MemoryStore } from '../memory/store.js';
import { profileLayout } from '../util/profile-layout.js';
import { bulkLoadMemories } from './bulk-load.js';
import { round } from './stats.js';
import { writeSyntheticFeedback, type SyntheticAnswerCase, type SyntheticManagerCase } from './synthetic-feedback.js';
import { TopicVectors } from './synthetic-vectors.js';

export interface UpdaterFigures {
  episodes: { manager: number; answer: number };
  memories: number;
  algo: string;
  /** The training run, from `training.start` to its `done` event. */
  run_s: number;
  /** Chat turns the main process served while the run went on. */
  chat_turns: number;
  /** Event-loop delay in the main process during the run (`perf_hooks.monitorEventLoopDelay`, 10 ms resolution). */
  main_loop_lag_p50_ms: number;
  main_loop_lag_p99_ms: number;
  main_loop_lag_max_ms: number;
  /** The same chat turns for as long again with no run: what the chat alone costs the event loop (its p99). */
  chat_only_lag_p99_ms: number;
  outcomes: Record<string, string>;
}

type Progress = (stage: string, done: number, total: number) => void;

const MANAGER_EPISODES = 400;
const ANSWER_EPISODES = 200;
const MEMORIES = 2_000;
const LAG_RESOLUTION_MS = 10;
const REVIEWS: ReadonlyArray<Pick<SyntheticManagerCase, 'prior' | 'review'>> = [
  { prior: 'ADD', review: 'op_accepted' },
  { prior: 'ADD', review: 'op_accepted' },
  { prior: 'ADD', review: 'op_rejected' },
  { prior: 'UPDATE', review: 'op_accepted' },
  { prior: 'DELETE', review: 'op_rejected' },
  { prior: 'NOOP', review: 'op_accepted' },
];
const THUMBS: ReadonlyArray<SyntheticAnswerCase['review']> = ['answer_up', 'answer_down', 'answer_corrected', 'answer_up'];

/**
 * Whether the background updater leaves the chat responsive (issue 7: p99
 * event-loop delay ≤ 50 ms in the main process during a training run). A
 * profile holds 2,000 memories and, as if learning had been on for a while,
 * 400 reviewed manager decisions (10 related memories each) and 200 rated
 * replies (60 candidates each). A full GRPO run of both agents goes through
 * the real API and worker process while the main process serves chat turns
 * back to back (retrieval, distillation, the scripted reply, the Memory
 * Manager, episode recording); the event loop's delay is sampled throughout.
 * The same chat load alone, for as long again, is the baseline. Delays
 * include the 10 ms sampling interval (an idle loop reads 10 ms).
 */
export async function measureUpdaterLag(embedder: Embedder, onProgress?: Progress): Promise<UpdaterFigures> {
  const profileDir = mkdtempSync(join(tmpdir(), 'memr1-bench-updater-'));
  try {
    await seedProfile(profileDir, embedder, onProgress);
    const assistant = await Assistant.open({ profileDir, embedder, chatModel: new ScriptedChatModel([], 'Okay, noted.', 'instant') });
    try {
      await assistant.dispatch('training.configure', { enabled: true, algo: 'grpo', schedule_minutes: 0 });
      for (let turn = 0; turn < 5; turn++) await chatTurn(assistant, turn); // warm-up: kernels compile on first use

      const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
      let done: Extract<TrainingEvent, { type: 'done' }>['run'] | undefined;
      let failure: string | undefined;
      lag.enable();
      const started = performance.now();
      const run = assistant.dispatch('training.start', {}, (raw) => {
        const event = raw as TrainingEvent;
        if (event.type === 'step') onProgress?.('updater: training', event.progress.done, event.progress.total);
        if (event.type === 'done') done = event.run;
        if (event.type === 'error') failure = event.message;
      });
      let turns = 0;
      while (!done && !failure) await chatTurn(assistant, 100 + turns++);
      await run;
      const seconds = (performance.now() - started) / 1000;
      lag.disable();
      if (!done || done.state !== 'finished') throw new Error(`the benchmark's training run did not finish: ${failure ?? done?.message ?? done?.state}`);
      const ms = (ns: number) => round(ns / 1e6, 1);
      const chatOnly = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
      chatOnly.enable();
      for (let turn = 0; performance.now() - started < 2 * seconds * 1000; turn++) await chatTurn(assistant, 1_000 + turn);
      chatOnly.disable();
      return {
        episodes: { manager: MANAGER_EPISODES, answer: ANSWER_EPISODES },
        memories: MEMORIES,
        algo: done.algo,
        run_s: round(seconds, 1),
        chat_turns: turns,
        main_loop_lag_p50_ms: ms(lag.percentile(50)),
        main_loop_lag_p99_ms: ms(lag.percentile(99)),
        main_loop_lag_max_ms: ms(lag.max),
        chat_only_lag_p99_ms: ms(chatOnly.percentile(99)),
        outcomes: Object.fromEntries(done.results.map((r) => [r.agent, r.outcome])),
      };
    } finally {
      await assistant.close();
    }
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}

async function seedProfile(profileDir: string, embedder: Embedder, onProgress?: Progress): Promise<void> {
  const store = await MemoryStore.open({ uri: profileLayout(profileDir).memory, embedder });
  try {
    const vectors = new TopicVectors(embedder.dimension, 50, MEMORIES);
    const content = { text: (i: number) => `The user mentioned topic ${i % 97} on day ${i % 365} (note ${i}).`, subject: () => 'user' };
    await bulkLoadMemories(store, MEMORIES, vectors, content, 1_000, (loaded) => onProgress?.('updater: load memories', loaded, MEMORIES));
    const manager = Array.from({ length: MANAGER_EPISODES }, (_, i) => ({ id: `op-${i}`, ...REVIEWS[i % REVIEWS.length]! }));
    const answer = Array.from({ length: ANSWER_EPISODES }, (_, i) => ({ id: `msg-${i}`, review: THUMBS[i % THUMBS.length] }));
    onProgress?.('updater: episodes', 0, 1);
    await writeSyntheticFeedback(store, { manager, answer }, { related: 10, candidates: 60 });
    onProgress?.('updater: episodes', 1, 1);
  } finally {
    await store.close();
  }
}

async function chatTurn(assistant: Assistant, turn: number): Promise<void> {
  const result = await assistant.dispatch('chat.send', { text: `What do you remember about topic ${turn % 97}? I also like idea ${turn}.`, session_id: 'bench' }, () => undefined);
  if (!result.ok) throw new Error(`chat turn ${turn} failed: ${result.error.message}`);
}
