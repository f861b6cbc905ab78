import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { createChatModel } from '../../models/llm/create-chat-model.js';
import type { DownloadProgress } from '../../models/llm/hub-download.js';
import { OnnxChatModel } from '../../models/llm/onnx-chat.js';
import { buildTinyGpt2 } from '../fixtures/onnx/build-tiny-gpt2.js';
import { startHubServer } from '../helpers/hub-server.js';

const hello: ChatMessage[] = [{ role: 'user', content: 'Hello! What do you remember about me?' }];
let root: string;
let modelDir: string;
let model: OnnxChatModel;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'memr1-onnx-'));
  modelDir = join(root, 'tiny-gpt2');
  await buildTinyGpt2(modelDir); // random weights, real GPT-2 tokenizer, KV-cache inputs and outputs
  model = await OnnxChatModel.load(modelDir, { dtype: 'fp32' });
});

afterAll(async () => {
  await model?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('local ONNX chat model (transformers.js on onnxruntime-node, tiny model built at test time)', () => {
  it('loads on the CPU here and says why', () => {
    expect(model.info).toMatchObject({ id: 'onnx:tiny-gpt2', backend: 'onnx', device: 'cpu', logprobs: true });
    // This machine has no CUDA provider installed: the reason must say so (or that there is no GPU provider).
    expect(model.info.deviceReason).toMatch(/CUDA provider not installed|no GPU provider|fallback/);
  });

  it('streams 20 tokens with log-probabilities, deterministically when greedy', async () => {
    const chunks: string[] = [];
    const logprobs: number[] = [];
    for await (const chunk of model.stream(hello, { maxTokens: 20, logprobs: true })) {
      chunks.push(chunk.text);
      logprobs.push(chunk.logprob!);
    }
    expect(chunks.length).toBeGreaterThan(1);
    expect(logprobs.every((lp) => Number.isFinite(lp) && lp <= 0)).toBe(true);
    const again = await model.generate(hello, { maxTokens: 20 });
    expect(again).toMatchObject({ text: chunks.join(''), finishReason: 'length', completionTokens: 20 });
  });

  it('aborts mid-stream, then generates again', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const chunk of model.stream(hello, { maxTokens: 200, signal: controller.signal })) {
      seen.push(chunk.text);
      if (seen.length === 2) controller.abort();
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBeLessThan(10); // stopped long before 200 tokens
    const aborted = await model.generate(hello, { maxTokens: 50, signal: AbortSignal.abort() });
    expect(aborted.finishReason).toBe('abort');
    const next = await model.generate(hello, { maxTokens: 20 });
    expect(next.completionTokens).toBe(20);
  });

  it('cuts the reply at a stop string', async () => {
    const full = (await model.generate(hello, { maxTokens: 20 })).text;
    const stop = full.slice(8, 12);
    const cut = await model.generate(hello, { maxTokens: 20, stop: [stop] });
    expect(cut.finishReason).toBe('stop');
    expect(cut.text).toBe(full.slice(0, full.indexOf(stop)));
  });

  it('samples at temperature > 0 and still respects the token budget', async () => {
    const sampled = await model.generate(hello, { maxTokens: 12, temperature: 1.0, topP: 0.9 });
    expect(sampled.completionTokens).toBeLessThanOrEqual(12);
    expect(['length', 'stop']).toContain(sampled.finishReason);
  });

  it('downloads a Hub model into the profile on first use (from a local Hub server) and runs it', async () => {
    const hub = await startHubServer({ repos: { 'tiny/gpt2': modelDir } });
    const modelsDir = join(root, 'models');
    const progress: DownloadProgress[] = [];
    try {
      const downloaded = await createChatModel('onnx:tiny/gpt2', { modelsDir, hubUrl: hub.url, dtype: 'fp32', device: 'cpu', onDownloadProgress: (p) => progress.push(p) });
      expect(downloaded.info.id).toBe('onnx:tiny/gpt2');
      expect(progress.at(-1)?.percent).toBe(100);
      const reply = await downloaded.generate(hello, { maxTokens: 20 });
      expect(reply.text).toBe((await model.generate(hello, { maxTokens: 20 })).text); // same weights, same greedy output
      await downloaded.dispose();
    } finally {
      await hub.close();
    }
  });

  it('fails to load a folder that is not a model with a clear error', async () => {
    await expect(OnnxChatModel.load(root, { dtype: 'fp32' })).rejects.toMatchObject({ code: 'LOAD_FAILED' });
  });
});
