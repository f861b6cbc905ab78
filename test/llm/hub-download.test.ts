import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadModel, isInstalled, listInstalled, type DownloadProgress } from '../../models/llm/hub-download.js';
import { startHubServer } from '../helpers/hub-server.js';
import type { TestServer } from '../helpers/http-server.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A fake repository: configs plus two weight files of different dtypes. */
function fakeRepo(): string {
  const dir = tempDir('memr1-repo-');
  mkdirSync(join(dir, 'onnx'));
  writeFileSync(join(dir, 'config.json'), '{"model_type":"gpt2"}');
  writeFileSync(join(dir, 'tokenizer.json'), '{"model":{}}');
  writeFileSync(join(dir, 'README.md'), 'not needed');
  writeFileSync(join(dir, 'onnx', 'model.onnx'), randomBytes(300_000));
  writeFileSync(join(dir, 'onnx', 'model_q4.onnx'), randomBytes(100_000));
  return dir;
}

describe('Hub model download (real HTTP on 127.0.0.1)', () => {
  it('downloads the configs and one dtype, reporting bytes and percent, into place atomically', async () => {
    const repo = fakeRepo();
    server = await startHubServer({ repos: { 'tiny/model': repo } });
    const modelsDir = tempDir();
    const events: DownloadProgress[] = [];
    const folder = await downloadModel('tiny/model', { modelsDir, hubUrl: server.url, dtype: 'fp32', onProgress: (p) => events.push(p) });
    expect(folder).toBe(join(modelsDir, 'tiny', 'model'));
    expect(readFileSync(join(folder, 'onnx', 'model.onnx'))).toEqual(readFileSync(join(repo, 'onnx', 'model.onnx')));
    expect(existsSync(join(folder, 'config.json'))).toBe(true);
    expect(existsSync(join(folder, 'onnx', 'model_q4.onnx'))).toBe(false); // another dtype
    expect(existsSync(join(folder, 'README.md'))).toBe(false);
    expect(isInstalled(folder, 'fp32')).toBe(true);
    expect(existsSync(join(modelsDir, '.downloads', 'tiny--model'))).toBe(false);
    const total = 300_000 + '{"model_type":"gpt2"}'.length + '{"model":{}}'.length;
    expect(events.at(-1)).toMatchObject({ loaded: total, total, percent: 100 });
    const loaded = events.map((e) => e.loaded);
    expect(loaded).toEqual([...loaded].sort((a, b) => a - b));
    expect(events.some((e) => e.file === 'onnx/model.onnx' && e.fileTotal === 300_000)).toBe(true);
    expect(await listInstalled(modelsDir)).toEqual(['tiny/model']);
  });

  it('resumes a cut download with a Range request, and the model folder appears only when complete', async () => {
    const repo = fakeRepo();
    server = await startHubServer({ repos: { 'tiny/model': repo }, cutFirstRequestAt: { 'onnx/model.onnx': 120_000 } });
    const modelsDir = tempDir();
    await expect(downloadModel('tiny/model', { modelsDir, hubUrl: server.url, dtype: 'fp32' })).rejects.toMatchObject({ code: 'DOWNLOAD_INTERRUPTED' });
    expect(existsSync(join(modelsDir, 'tiny', 'model'))).toBe(false);
    const part = join(modelsDir, '.downloads', 'tiny--model', 'onnx', 'model.onnx.part');
    expect(statSync(part).size).toBeGreaterThan(0);
    const partSize = statSync(part).size;

    const folder = await downloadModel('tiny/model', { modelsDir, hubUrl: server.url, dtype: 'fp32' });
    expect(readFileSync(join(folder, 'onnx', 'model.onnx'))).toEqual(readFileSync(join(repo, 'onnx', 'model.onnx')));
    const ranged = server.requests.filter((r) => r.path.endsWith('/onnx/model.onnx'));
    expect(ranged).toHaveLength(2);
    expect(ranged[0]!.headers.range).toBeUndefined();
    expect(ranged[1]!.headers.range).toBe(`bytes=${partSize}-`);
    expect(server.requests.filter((r) => r.path.endsWith('config.json'))).toHaveLength(1); // finished files are not fetched again
    expect(partSize).toBeLessThan(300_000);
  });

  it('adds a second dtype to an installed model', async () => {
    server = await startHubServer({ repos: { 'tiny/model': fakeRepo() } });
    const modelsDir = tempDir();
    await downloadModel('tiny/model', { modelsDir, hubUrl: server.url, dtype: 'fp32' });
    const folder = await downloadModel('tiny/model', { modelsDir, hubUrl: server.url, dtype: 'q4' });
    expect(isInstalled(folder, 'fp32') && isInstalled(folder, 'q4')).toBe(true);
    expect(existsSync(join(folder, 'onnx', 'model_q4.onnx'))).toBe(true);
    expect(existsSync(join(folder, 'onnx', 'model.onnx'))).toBe(true);
  });

  it('says clearly when offline, when the model does not exist, and when the dtype is not offered', async () => {
    server = await startHubServer({ repos: { 'tiny/model': fakeRepo() } });
    const url = server.url;
    const modelsDir = tempDir();
    await expect(downloadModel('nobody/nothing', { modelsDir, hubUrl: url, dtype: 'fp32' })).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    await expect(downloadModel('tiny/model', { modelsDir, hubUrl: url, dtype: 'q4f16' })).rejects.toThrow(/has no onnx\/model_q4f16\.onnx; it offers: \(fp32\), _q4/);
    await expect(downloadModel('not a model id', { modelsDir, hubUrl: url, dtype: 'fp32' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await server.close();
    server = undefined;
    await expect(downloadModel('tiny/model', { modelsDir, hubUrl: url, dtype: 'fp32' })).rejects.toMatchObject({
      code: 'OFFLINE',
      message: expect.stringMatching(/cannot reach .* to download tiny\/model .*run it again/),
    });
  });
});
