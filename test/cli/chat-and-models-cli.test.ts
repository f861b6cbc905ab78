import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMemr1, type CliResult } from '../helpers/memr1-cli.js';
import { buildTinyGpt2 } from '../fixtures/onnx/build-tiny-gpt2.js';
import { startHubServer } from '../helpers/hub-server.js';
import type { TestServer } from '../helpers/http-server.js';

let root: string;
let modelDir: string;
let hub: TestServer;

function memr1(...args: string[]): Promise<CliResult> {
  return runMemr1(join(root, 'home'), args);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'memr1-cli-models-'));
  modelDir = join(root, 'tiny-gpt2');
  await buildTinyGpt2(modelDir);
  hub = await startHubServer({ repos: { 'tiny/gpt2': modelDir } });
});

afterAll(async () => {
  await hub?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('memr1 chat and memr1 models (the CLI, as a separate process)', () => {
  it('streams a reply from a local ONNX model folder and names the device', async () => {
    const result = await memr1('chat', '--llm', `onnx:${modelDir}`, '--dtype', 'fp32', '--max-tokens', '12', 'Hello there');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().length).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/\[onnx:tiny-gpt2 on cpu: /);
  });

  it('downloads a model from a hub, lists it, and reports status', async () => {
    const models = join(root, 'models');
    const download = await memr1('models', 'download', 'tiny/gpt2', '--hub', hub.url, '--models', models, '--dtype', 'fp32', '--json');
    expect(download.code).toBe(0);
    expect(JSON.parse(download.stdout)).toMatchObject({ id: 'tiny/gpt2', dtype: 'fp32', folder: join(models, 'tiny', 'gpt2') });
    const list = JSON.parse((await memr1('models', 'list', '--models', models, '--json')).stdout) as { installed: string[] };
    expect(list.installed).toEqual(['tiny/gpt2']);
    const status = JSON.parse((await memr1('models', 'status', '--models', models, '--json')).stdout) as { default_model: string; installed: boolean; devices: string[] };
    expect(status.installed).toBe(false); // the default model is not the tiny one
    expect(status.devices.at(-1)).toMatch(/^cpu/);
    const chat = await memr1('chat', '--llm', 'onnx:tiny/gpt2', '--models', models, '--dtype', 'fp32', '--max-tokens', '5', 'Hi');
    expect(chat.code).toBe(0);
    expect(chat.stderr).toMatch(/\[onnx:tiny\/gpt2 on cpu/);
  });

  it('explains an unreachable hub and an unknown model spec', async () => {
    const offline = await memr1('models', 'download', 'tiny/gpt2', '--hub', 'http://127.0.0.1:9', '--models', join(root, 'm2'));
    expect(offline.code).toBe(2);
    expect(offline.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 to download tiny\/gpt2.*\[OFFLINE\]/);
    const bad = await memr1('chat', '--llm', 'gguf:whatever', 'hi');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown model "gguf:whatever"/);
  });
});
