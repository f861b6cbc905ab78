import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { call, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { buildTinyGpt2 } from '../fixtures/onnx/build-tiny-gpt2.js';
import { startHubServer } from '../helpers/hub-server.js';
import type { TestServer } from '../helpers/http-server.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
let repo: string;
let hub: TestServer;

beforeAll(async () => {
  repo = join(tempDir(), 'tiny-gpt2');
  await buildTinyGpt2(repo, { positions: 2048 }); // room for the agents' prompts (the fact-extraction one is long)
  hub = await startHubServer({ repos: { 'tiny/gpt2': repo }, cutFirstRequestAt: { 'onnx/model.onnx': 50_000 } });
});

afterAll(() => hub.close());

describe('local models through the Assistant (a real Hub-layout server on 127.0.0.1, a real tiny ONNX model)', () => {
  it('downloads with progress (resuming after a cut), lists, selects the model and chats through ONNX Runtime', async () => {
    const profileDir = tempDir();
    const assistant = await Assistant.open({ profileDir, embedder: await realEmbedder(), hubUrl: hub.url });
    try {
      const before = await call(assistant, 'models.list', {});
      expect(before).toMatchObject({ current: null, installed: [] });
      expect(before.suggested.map((m) => m.id)).toContain('onnx-community/Qwen2.5-0.5B-Instruct');

      // The hub cuts the weights file the first time: an error event that says to run it again.
      const cut = await streamEvents(assistant, 'models.download', { id: 'tiny/gpt2', dtype: 'fp32' });
      expect(cut.at(-1)).toMatchObject({ type: 'error', code: 'MODEL_UNAVAILABLE', message: expect.stringMatching(/run it again/) });
      const events = await streamEvents(assistant, 'models.download', { id: 'tiny/gpt2', dtype: 'fp32' });
      expect(events.at(-1)).toEqual({ type: 'done', id: 'tiny/gpt2' });
      const progress = events.filter((e) => e.type === 'progress') as unknown as Array<{ file: string; bytes: number; total: number; percent: number }>;
      expect(progress.length).toBeGreaterThan(1);
      expect(progress.at(-1)).toMatchObject({ percent: 100 });
      expect(progress.at(-1)!.bytes).toBe(progress.at(-1)!.total);
      expect(progress.map((p) => p.bytes)).toEqual(progress.map((p) => p.bytes).sort((a, b) => a - b));

      const listed = await call(assistant, 'models.list', {});
      expect(listed.installed).toEqual([{ id: 'tiny/gpt2', dtypes: ['fp32'], bytes: expect.any(Number) }]);
      expect(listed.installed[0]!.bytes).toBeGreaterThan(progress.at(-1)!.total - 1);
      const unknown = await streamEvents(assistant, 'models.download', { id: 'tiny/nothing' });
      expect(unknown).toEqual([{ type: 'error', code: 'NOT_FOUND', message: expect.stringMatching(/no model "tiny\/nothing"/) }]);

      expect(await call(assistant, 'models.select', { spec: 'onnx:tiny/gpt2' })).toMatchObject({ chat_model: 'onnx:tiny/gpt2' });
      expect((await call(assistant, 'models.status', {})).chat).toMatchObject({ ready: true, info: { backend: 'onnx', device: 'cpu' } });
      // The tiny model's words are random, but every stage of a turn runs on it.
      const turn = await streamEvents(assistant, 'chat.send', { text: 'Hello there' });
      expect(turn.map((e) => e.type).filter((t, i, all) => t !== all[i - 1])).toEqual(['memories', 'token', 'done', 'operations']);
    } finally {
      await assistant.close();
    }
  });
});
