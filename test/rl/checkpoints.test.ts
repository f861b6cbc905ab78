import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { CheckpointStore, type CheckpointMeta } from '../../models/rl/checkpoints.js';
import { exited, waitForLine } from '../helpers/child-process.js';
import { disk } from '../helpers/full-disk.js';
import { useTempDirs } from '../helpers/temp-dir.js';

// A full disk on demand: a file that `disk.fullAt` picks gets half its bytes written, then ENOSPC.
vi.mock('node:fs/promises', async (importOriginal) => (await import('../helpers/full-disk.js')).withFullDisk(await importOriginal()));

const tempDir = useTempDirs();
const INPUT = [
  [0.5, -1, 2, 0.25],
  [-0.75, 0.1, 0, 3],
];

beforeAll(async () => {
  await ensureTfBackend();
});

/** A small policy with non-zero random weights everywhere, different per seed. */
function makeModel(seed: number, featureDim = 4): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [featureDim],
        units: 8,
        activation: 'tanh',
        kernelInitializer: tf.initializers.randomNormal({ seed }),
        biasInitializer: tf.initializers.randomNormal({ seed: seed + 1 }),
      }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.randomNormal({ seed: seed + 2 }) }),
    ],
  });
}

async function predict(model: tf.LayersModel): Promise<number[]> {
  const input = tf.tensor2d(INPUT);
  const output = model.predict(input) as tf.Tensor;
  const values = Array.from(await output.data());
  input.dispose();
  output.dispose();
  return values;
}

function metaFor(step: number, parent: string | null = null): Omit<CheckpointMeta, 'version' | 'created_at' | 'files'> {
  return { agent: 'manager', algo: 'grpo', step, parent, feature_dim: 4, metrics: { reward_mean: step / 100, eval_score: 0.5 } };
}

function newStore(): CheckpointStore {
  return new CheckpointStore(join(tempDir(), 'policies', 'manager'));
}

/** Saves `count` versions (seeds 1, 2, …), each trained from the one before. */
async function saveVersions(store: CheckpointStore, count: number): Promise<tf.Sequential[]> {
  const models: tf.Sequential[] = [];
  for (let i = 1; i <= count; i++) {
    const model = makeModel(i * 10);
    await store.save({ policy: model }, metaFor(i * 100, i > 1 ? `v000${i - 1}` : null));
    models.push(model);
  }
  return models;
}

function currentFile(store: CheckpointStore): string {
  return readFileSync(join(store.root, 'current'), 'utf8');
}

describe('save and load', () => {
  it('round-trips the models exactly, with meta and checksums, numbering versions and switching current', async () => {
    const store = newStore();
    const policy = makeModel(1);
    const critic = makeModel(2);
    const meta = await store.save({ policy, critic }, { ...metaFor(100), algo: 'ppo' });

    expect(meta).toMatchObject({ version: 'v0001', agent: 'manager', algo: 'ppo', step: 100, parent: null, feature_dim: 4 });
    expect(meta.metrics).toEqual({ reward_mean: 1, eval_score: 0.5 });
    expect(Date.now() - Date.parse(meta.created_at)).toBeLessThan(60_000);
    expect(Object.keys(meta.files).sort()).toEqual(['critic/model.json', 'critic/weights.bin', 'policy/model.json', 'policy/weights.bin']);
    for (const [path, { bytes, sha256 }] of Object.entries(meta.files)) {
      const content = readFileSync(join(store.root, 'v0001', path));
      expect(content.byteLength).toBe(bytes);
      expect(createHash('sha256').update(content).digest('hex')).toBe(sha256);
    }
    expect(JSON.parse(readFileSync(join(store.root, 'v0001', 'meta.json'), 'utf8'))).toEqual(meta);
    expect(currentFile(store)).toBe('v0001\n');
    expect(await store.currentVersion()).toBe('v0001');

    // The standard TF.js layers layout, as tfjs-node's file:// handler writes it.
    const modelJson = JSON.parse(readFileSync(join(store.root, 'v0001', 'policy', 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.generatedBy).toMatch(/TensorFlow\.js/);
    expect(modelJson.modelTopology.class_name).toBe('Sequential');
    expect(modelJson.weightsManifest).toHaveLength(1);
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(modelJson.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape)).toEqual([[4, 8], [8], [8, 1], [1]]);
    expect(meta.files['policy/weights.bin']!.bytes).toBe((4 * 8 + 8 + 8 + 1) * 4);

    const loaded = await store.load('v0001');
    expect(loaded.meta).toEqual(meta);
    expect(Object.keys(loaded.models).sort()).toEqual(['critic', 'policy']);
    const expectedPolicy = await predict(policy);
    expect(expectedPolicy.some((value) => value !== 0)).toBe(true);
    expect(await predict(loaded.models.policy!)).toEqual(expectedPolicy);
    expect(await predict(loaded.models.critic!)).toEqual(await predict(critic));
    expect(await predict(loaded.models.critic!)).not.toEqual(expectedPolicy);

    const second = await store.save({ policy: makeModel(3), critic }, metaFor(200, 'v0001'));
    expect(second.version).toBe('v0002');
    expect(second.parent).toBe('v0001');
    expect(await store.currentVersion()).toBe('v0002');

    // A candidate saved for evaluation is not promoted.
    const candidate = await store.save({ policy: makeModel(4) }, metaFor(300, 'v0002'), { makeCurrent: false });
    expect(candidate.version).toBe('v0003');
    expect(await store.currentVersion()).toBe('v0002');
    expect((await store.list()).map((m) => m.version)).toEqual(['v0001', 'v0002', 'v0003']);
    expect(await store.verify('v0003')).toEqual({ ok: true });

    const current = await store.loadCurrent({ featureDim: 4 });
    expect(current.warnings).toEqual([]);
    expect(current.meta?.version).toBe('v0002');
    expect(await predict(current.models!.policy!)).toEqual(await predict(makeModel(3)));

    await store.setCurrent('v0003');
    expect(currentFile(store)).toBe('v0003\n');
    expect(readdirSync(store.root).sort()).toEqual(['current', 'v0001', 'v0002', 'v0003']); // no temp files left
  });

  it('refuses bad input before writing anything', async () => {
    const store = newStore();
    await expect(store.save({}, metaFor(1))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: /at least one model/ });
    await expect(store.save({ '../escape': makeModel(1) }, metaFor(1))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: /cannot be a folder name/ });
    await expect(store.save({ policy: makeModel(1) }, { ...metaFor(1), feature_dim: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: /feature_dim/ });
    await expect(store.save({ policy: makeModel(1) }, { ...metaFor(1), metrics: { reward_mean: Number.NaN } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: /metrics\.reward_mean/,
    });
    await expect(store.save({ policy: makeModel(1) }, metaFor(1, 'latest'))).rejects.toMatchObject({ code: 'INVALID_INPUT', message: /parent/ });
    await expect(store.load('latest')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(store.load('v0001')).rejects.toMatchObject({ code: 'NOT_FOUND', message: /v0001.*does not exist/ });
    await expect(store.setCurrent('v0001')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(existsSync(store.root)).toBe(false);
  });

  it('keeps a version\'s provenance; a meta.json written before provenance existed still loads; a bad provenance is refused', async () => {
    const store = newStore();
    const provenance = { source: 'locomo' as const, data_file: 'locomo10.json', data_sha256: 'a'.repeat(64), algorithm: 'grpo', seed: 7, prior: 'heuristic' as const, validation: { content_recall: 0.7 } };
    await store.save({ policy: makeModel(1) }, { ...metaFor(1), provenance });
    await saveVersions(store, 1); // v0002, without provenance, as every version before it was recorded
    const [withProvenance, without] = await store.list();
    expect(withProvenance!.provenance).toEqual(provenance);
    expect(without!.provenance).toBeUndefined();
    expect((await store.load('v0002')).meta.provenance).toBeUndefined();
    await expect(store.save({ policy: makeModel(1) }, { ...metaFor(1), provenance: { ...provenance, data_sha256: 'not a hash' } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: /provenance\.data_sha256/,
    });
  });

  it('refuses to load a checkpoint trained for another feature size', async () => {
    const store = newStore();
    await saveVersions(store, 1);
    await expect(store.load('v0001', { featureDim: 6 })).rejects.toMatchObject({
      code: 'FEATURE_DIM_MISMATCH',
      message: /trained for 4 features but the policy now has 6/,
    });
    const current = await store.loadCurrent({ featureDim: 6 });
    expect(current.meta).toBeNull();
    expect(current.models).toBeNull();
    expect(current.warnings[0]).toMatch(/v0001 \(current\) is unusable: it was trained for 4 features/);
  });
});

describe('rollback', () => {
  it('goes back one version at a time and says clearly when there is nothing older', async () => {
    const store = newStore();
    const models = await saveVersions(store, 3);
    expect((await store.rollback()).version).toBe('v0002');
    expect(currentFile(store)).toBe('v0002\n');
    const loaded = await store.loadCurrent();
    expect(await predict(loaded.models!.policy!)).toEqual(await predict(models[1]!));

    expect((await store.rollback()).version).toBe('v0001');
    await expect(store.rollback()).rejects.toMatchObject({
      code: 'NOTHING_TO_ROLL_BACK',
      message: expect.stringMatching(/no good version older than v0001 .*v0001 stays current/),
    });
    expect(await store.currentVersion()).toBe('v0001');
  });

  it('skips damaged versions, and refuses when the store is empty', async () => {
    const store = newStore();
    await expect(store.rollback()).rejects.toMatchObject({ code: 'NOTHING_TO_ROLL_BACK', message: /no version is current/ });
    await saveVersions(store, 3);
    rmSync(join(store.root, 'v0002', 'meta.json'));
    expect((await store.rollback()).version).toBe('v0001');

    await store.setCurrent('v0003');
    rmSync(join(store.root, 'v0001', 'policy', 'weights.bin'));
    await expect(store.rollback()).rejects.toMatchObject({
      code: 'NOTHING_TO_ROLL_BACK',
      message: expect.stringMatching(/damaged: v0002: meta\.json is missing; v0001: policy\/weights\.bin is missing/),
    });
    expect(await store.currentVersion()).toBe('v0003');
  });
});

describe('damaged checkpoints', () => {
  const damages: Array<[string, (dir: string) => void, RegExp]> = [
    [
      'flipped bytes in weights.bin',
      (dir) => {
        const path = join(dir, 'policy', 'weights.bin');
        const bytes = readFileSync(path);
        bytes[10] = bytes[10]! ^ 0xff;
        writeFileSync(path, bytes);
      },
      /policy\/weights\.bin fails its sha256 check/,
    ],
    ['a truncated model.json', (dir) => truncateSync(join(dir, 'policy', 'model.json'), 20), /policy\/model\.json has 20 bytes, meta\.json says \d+/],
    ['a deleted meta.json', (dir) => rmSync(join(dir, 'meta.json')), /meta\.json is missing/],
    ['a truncated meta.json', (dir) => truncateSync(join(dir, 'meta.json'), 30), /meta\.json is not valid JSON/],
    [
      'a meta.json with a changed field',
      (dir) => {
        const path = join(dir, 'meta.json');
        writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), step: -1 }));
      },
      /meta\.json is malformed \(step:/,
    ],
  ];

  it.each(damages)('%s is detected by verify() and skipped by loadCurrent() with a warning', async (_, damage, reason) => {
    const store = newStore();
    const models = await saveVersions(store, 2);
    damage(join(store.root, 'v0002'));

    const verdict = await store.verify('v0002');
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(reason);
    expect(await store.verify('v0001')).toEqual({ ok: true });
    expect((await store.list()).map((m) => m.version)).toEqual(['v0001']);
    await expect(store.load('v0002')).rejects.toMatchObject({ code: 'CORRUPT', message: reason });
    await expect(store.setCurrent('v0002')).rejects.toMatchObject({ code: 'CORRUPT' });

    const loaded = await store.loadCurrent();
    expect(loaded.meta?.version).toBe('v0001');
    expect(await predict(loaded.models!.policy!)).toEqual(await predict(models[0]!));
    expect(loaded.warnings).toHaveLength(2);
    expect(loaded.warnings[0]).toMatch(/^checkpoint v0002 \(current\) is unusable: /);
    expect(loaded.warnings[0]).toMatch(reason);
    expect(loaded.warnings[1]).toBe('using v0001, the newest usable version before v0002');
    expect(await store.currentVersion()).toBe('v0002'); // loading does not move it
  });

  it('gives {meta: null, models: null} with a warning per version when none is usable', async () => {
    const store = newStore();
    await saveVersions(store, 2);
    rmSync(join(store.root, 'v0001', 'meta.json'));
    truncateSync(join(store.root, 'v0002', 'policy', 'weights.bin'), 3);
    const loaded = await store.loadCurrent();
    expect(loaded.meta).toBeNull();
    expect(loaded.models).toBeNull();
    expect(loaded.warnings).toEqual([
      expect.stringMatching(/^checkpoint v0002 \(current\) is unusable: policy\/weights\.bin has 3 bytes/),
      'checkpoint v0001 is unusable: meta.json is missing',
      `no usable checkpoint in ${store.root}; using the prior-only policy`,
    ]);
    expect(await store.list()).toEqual([]);
  });

  it('falls back when current names a version that is gone', async () => {
    const store = newStore();
    const models = await saveVersions(store, 2);
    rmSync(join(store.root, 'v0002'), { recursive: true });
    const loaded = await store.loadCurrent();
    expect(loaded.meta?.version).toBe('v0001');
    expect(await predict(loaded.models!.policy!)).toEqual(await predict(models[0]!));
    expect(loaded.warnings[0]).toBe('checkpoint v0002 (current) is unusable: the version folder does not exist');

    writeFileSync(join(store.root, 'current'), 'v0009\n');
    expect((await store.loadCurrent()).meta?.version).toBe('v0001');
  });

  it('never throws: a garbled pointer, no pointer, no folder at all', async () => {
    const store = newStore();
    expect(await store.loadCurrent()).toEqual({ meta: null, models: null, warnings: [] });

    await saveVersions(store, 1);
    writeFileSync(join(store.root, 'current'), '\u0000\u0000garbage');
    const garbled = await store.loadCurrent();
    expect(garbled.meta).toBeNull();
    expect(garbled.warnings[0]).toMatch(/current holds .*not a version name; make a version current again; using the prior-only policy/);
    await expect(store.currentVersion()).rejects.toMatchObject({ code: 'CORRUPT' });

    rmSync(join(store.root, 'current'));
    const unset = await store.loadCurrent();
    expect(unset.meta).toBeNull();
    expect(unset.warnings).toEqual([`1 checkpoint(s) in ${store.root} but none is current; using the prior-only policy`]);
  });
});

describe('a failed or killed save', () => {
  it('leaves the previous version current and no stray folder when the disk fills on the weights write', async () => {
    const store = newStore();
    const [first] = await saveVersions(store, 1);
    disk.fullAt = (path) => path.endsWith('weights.bin');
    try {
      await expect(store.save({ policy: makeModel(99) }, metaFor(200, 'v0001'))).rejects.toMatchObject({
        code: 'SAVE_FAILED',
        message: expect.stringMatching(/could not save checkpoint v0002 .*ENOSPC.*the disk is full; free some space and train again; the current version is v0001/),
      });
    } finally {
      disk.fullAt = undefined;
    }
    expect(readdirSync(store.root).sort()).toEqual(['current', 'v0001']);
    expect(currentFile(store)).toBe('v0001\n');
    const loaded = await store.loadCurrent();
    expect(loaded.warnings).toEqual([]);
    expect(await predict(loaded.models!.policy!)).toEqual(await predict(first!));

    expect((await store.save({ policy: makeModel(99) }, metaFor(200, 'v0001'))).version).toBe('v0002');
  });

  it('removes the new version again when the disk fills while switching current', async () => {
    const store = newStore();
    await saveVersions(store, 1);
    disk.fullAt = (path) => path.includes('.tmp-current');
    try {
      await expect(store.save({ policy: makeModel(99) }, metaFor(200, 'v0001'))).rejects.toMatchObject({
        code: 'SAVE_FAILED',
        message: /the current version is v0001/,
      });
    } finally {
      disk.fullAt = undefined;
    }
    expect(readdirSync(store.root).sort()).toEqual(['current', 'v0001']);
    expect(currentFile(store)).toBe('v0001\n');
  });

  it('writes nothing when a model cannot be serialised', async () => {
    const store = newStore();
    await saveVersions(store, 1);
    const broken = {
      save: async () => {
        throw new Error('weights were disposed');
      },
    } as unknown as tf.LayersModel;
    await expect(store.save({ policy: makeModel(5), critic: broken }, metaFor(200))).rejects.toMatchObject({
      code: 'SAVE_FAILED',
      message: /could not serialise model "critic" \(weights were disposed\); nothing was written/,
    });
    expect(readdirSync(store.root).sort()).toEqual(['current', 'v0001']);
  });

  it('ignores what a killed save left behind, and the next save removes it without reusing a version number', async () => {
    const store = newStore();
    await saveVersions(store, 1);
    // Killed while writing v0002's files, while switching `current`, and while deleting a version.
    const temp = join(store.root, '.tmp-v0002-99999');
    mkdirSync(join(temp, 'policy'), { recursive: true });
    writeFileSync(join(temp, 'policy', 'model.json'), '{"modelTopol');
    writeFileSync(join(store.root, '.tmp-current-99999'), 'v00');
    mkdirSync(join(store.root, '.tmp-removed-v0000-99999'));
    // A version folder whose meta.json never made it (e.g. copied by hand, half).
    mkdirSync(join(store.root, 'v0002', 'policy'), { recursive: true });

    expect((await store.list()).map((m) => m.version)).toEqual(['v0001']);
    expect((await store.loadCurrent()).meta?.version).toBe('v0001');

    const next = await store.save({ policy: makeModel(7) }, metaFor(200, 'v0001'));
    expect(next.version).toBe('v0003');
    expect(readdirSync(store.root).sort()).toEqual(['current', 'v0001', 'v0002', 'v0003']);
    expect((await store.list()).map((m) => m.version)).toEqual(['v0001', 'v0003']);
  });
});

/** Saves (and prunes) in a loop, printing each version, until killed. */
function spawnSaver(root: string) {
  const module = (path: string) => JSON.stringify(fileURLToPath(new URL(`../../models/${path}`, import.meta.url)));
  const script = `
    const tf = await import('@tensorflow/tfjs');
    const { ensureTfBackend } = await import(${module('util/tf-backend.ts')});
    const { CheckpointStore } = await import(${module('rl/checkpoints.ts')});
    await ensureTfBackend();
    const store = new CheckpointStore(${JSON.stringify(root)});
    // About 1 MB of weights, so a save spends long enough on writes and fsyncs to be killed inside them.
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 512 }), tf.layers.dense({ units: 512 }), tf.layers.dense({ units: 1 })] });
    for (let i = 0; i < 1000; i++) {
      const meta = await store.save({ policy: model }, { agent: 'manager', algo: 'grpo', step: i, parent: null, feature_dim: 4, metrics: {} });
      await store.prune(3);
      console.log(meta.version);
    }`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: { ...process.env, MEMR1_TF_BACKEND: 'cpu' },
    stdio: 'pipe',
  });
}

describe('a killed process', () => {
  it('leaves current on a good version after SIGKILL at any point of saving and pruning', async () => {
    const store = newStore();
    for (let round = 0; round < 3; round++) {
      const child = spawnSaver(store.root);
      let saved = 0;
      await waitForLine(child, () => ++saved >= 5 + round * 3);
      await sleep(round * 4); // a different point of the next save each round
      child.kill('SIGKILL');
      await exited(child);
      expect(child.signalCode).toBe('SIGKILL');

      const current = await store.currentVersion();
      expect(current).not.toBeNull();
      expect(await store.verify(current!)).toEqual({ ok: true });
      const loaded = await store.loadCurrent();
      expect(loaded.warnings).toEqual([]);
      expect(loaded.meta?.version).toBe(current);
      // Every version folder is whole; whatever was in flight is a temp entry at most.
      for (const name of readdirSync(store.root).filter((entry) => /^v\d+$/.test(entry))) {
        expect(await store.verify(name)).toEqual({ ok: true });
      }
    }
    const next = await store.save({ policy: makeModel(1) }, metaFor(1));
    expect(readdirSync(store.root).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(await store.currentVersion()).toBe(next.version);
  });
});

describe('prune', () => {
  it('keeps the newest N good versions and the current one', async () => {
    const store = newStore();
    await saveVersions(store, 5);
    await store.setCurrent('v0002');
    rmSync(join(store.root, 'v0005', 'meta.json')); // damaged: does not count as kept

    expect(await store.prune(1)).toEqual(['v0001', 'v0003', 'v0005']);
    expect(readdirSync(store.root).sort()).toEqual(['current', 'v0002', 'v0004']);
    expect((await store.list()).map((m) => m.version)).toEqual(['v0002', 'v0004']);
    expect(await store.currentVersion()).toBe('v0002');

    expect(await store.prune(0)).toEqual(['v0004']);
    expect((await store.list()).map((m) => m.version)).toEqual(['v0002']);
    await expect(store.prune(-1)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
