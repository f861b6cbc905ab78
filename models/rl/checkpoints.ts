/**
 * Versioned checkpoints of one agent's trainable policies, in
 * `<profile>/policies/<agent>/`: a folder per version (`v0001`, `v0002`, …)
 * holding each model in the TF.js layers format (`<name>/model.json` +
 * `<name>/weights.bin`) and a `meta.json` with every file's size and sha256,
 * plus a `current` file naming the version in use.
 *
 * Crash safety: a version is written into a dot-folder and renamed into place
 * whole, and `current` is replaced by a rename, so a killed process or a full
 * disk leaves either the old state or the new one, never a half. Bit rot and
 * hand edits are caught by the checksums: a damaged version is never loaded or
 * made current, and loading the current one falls back to an older good one.
 *
 * One writer per profile is enforced by the profile lock; nothing here guards
 * against two processes saving at once.
 */
import type * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { schemaReason } from '../util/zod-reason.js';
import { writeFileDurable } from '../util/write-file-atomic.js';
import { ensureTfBackend } from '../util/tf-backend.js';
import { CheckpointError } from './checkpoint-error.js';
import { PolicyProvenance } from './provenance.js';
import { layersModelFromFiles, layersModelToFiles, type LayersModelFiles } from './tfjs-files.js';

export interface CheckpointMeta {
  /** `v0001`, `v0002`, …: monotonic, zero-padded. */
  version: string;
  /** Which agent's policy: `manager`, `answer`, …. */
  agent: string;
  /** The training algorithm: `grpo`, `ppo`, …. */
  algo: string;
  created_at: string;
  /** Training steps done. */
  step: number;
  /** The version it was trained from. */
  parent: string | null;
  /** Input size the policy expects: a policy built for another feature size refuses it. */
  feature_dim: number;
  /** e.g. `reward_mean`, `eval_score`. */
  metrics: Record<string, number>;
  /** Where it came from (data, recipe, prior, install); absent in versions saved before it was recorded. */
  provenance?: PolicyProvenance;
  /** Every file in the version folder except meta.json (`<model>/model.json`, `<model>/weights.bin`), to detect corruption. */
  files: Record<string, { bytes: number; sha256: string }>;
}

// The store's callers catch its error from here; the CLI and the API contract import `checkpoint-error.js` alone (no TensorFlow.js).
export { CheckpointError, type CheckpointErrorCode } from './checkpoint-error.js';

export type CheckpointModels = Record<string, tf.LayersModel>;

const META_FILE = 'meta.json';
const CURRENT_FILE = 'current';
const MODEL_JSON_SUFFIX = '/model.json';
// Everything being written or deleted lives under this prefix, so a process
// killed half way leaves only names that list() skips and save() removes.
const TEMP_PREFIX = '.tmp-';
const VERSION_RE = /^v(\d{4,})$/;
const MODEL_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
// `<model>/<file>`: no absolute paths or `..`, so a tampered meta.json cannot point outside its folder.
const FILE_KEY_RE = /^[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

const Version = z.string().regex(VERSION_RE, 'expected a version such as v0001');

const MetaInput = z.object({
  agent: z.string().min(1),
  algo: z.string().min(1),
  step: z.number().int().nonnegative(),
  parent: Version.nullable(),
  feature_dim: z.number().int().positive(),
  // JSON has no NaN or Infinity: such a metric would not survive the round trip.
  metrics: z.record(z.string(), z.number()),
  provenance: PolicyProvenance.optional(),
});

const StoredMeta = MetaInput.extend({
  version: Version,
  created_at: z.iso.datetime(),
  files: z.record(
    z.string().regex(FILE_KEY_RE),
    z.object({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  ),
});

type Inspection =
  | { ok: true; meta: CheckpointMeta; files: Map<string, Uint8Array> }
  | { ok: false; code: 'NOT_FOUND' | 'CORRUPT'; reason: string };

type Attempt =
  | { ok: true; meta: CheckpointMeta; models: CheckpointModels }
  | { ok: false; code: 'NOT_FOUND' | 'CORRUPT' | 'FEATURE_DIM_MISMATCH'; reason: string };

export interface LoadOptions {
  /** The policy's input size now: a checkpoint trained for another size is refused. */
  featureDim?: number;
}

export class CheckpointStore {
  /** @param root `<profile>/policies/<agent>`; created by the first save. */
  constructor(readonly root: string) {}

  /**
   * Saves the models as a new version: written into a temp folder, fsynced,
   * then renamed into place; made current unless `makeCurrent: false`. On any
   * failure (a full disk, a model that cannot be serialised) no folder of that
   * version remains and `current` is unchanged.
   */
  async save(
    models: CheckpointModels,
    meta: Omit<CheckpointMeta, 'version' | 'created_at' | 'files'>,
    options: { makeCurrent?: boolean } = {},
  ): Promise<CheckpointMeta> {
    const names = Object.keys(models);
    if (!names.length) throw new CheckpointError('INVALID_INPUT', 'a checkpoint needs at least one model');
    for (const name of names) {
      if (!MODEL_NAME_RE.test(name)) {
        throw new CheckpointError('INVALID_INPUT', `model name ${JSON.stringify(name)} cannot be a folder name: use 1-64 letters, digits, _ or -`);
      }
    }
    const input = MetaInput.safeParse(meta);
    if (!input.success) throw new CheckpointError('INVALID_INPUT', `checkpoint meta is invalid (${schemaReason(input.error)})`);

    // Serialised before touching the disk: a model that cannot be saved changes nothing.
    const serialised: Array<[string, LayersModelFiles]> = [];
    for (const name of names) {
      try {
        serialised.push([name, await layersModelToFiles(models[name]!)]);
      } catch (error) {
        throw new CheckpointError('SAVE_FAILED', `could not serialise model "${name}" (${messageOf(error)}); nothing was written`, { cause: error });
      }
    }

    await mkdir(this.root, { recursive: true });
    await this.removeTempEntries();
    // Numbered past every version folder, damaged ones included, so a number is never reused while its folder exists.
    const version = formatVersion(Math.max(0, ...(await this.versionNames()).map(versionNumber)) + 1);
    const temp = join(this.root, `${TEMP_PREFIX}${version}-${process.pid}`);
    let placed = false;
    try {
      await mkdir(temp);
      const files: CheckpointMeta['files'] = {};
      for (const [name, modelFiles] of serialised) {
        await mkdir(join(temp, name));
        for (const [file, bytes] of Object.entries(modelFiles)) {
          await writeFileDurable(join(temp, name, file), bytes);
          files[`${name}/${file}`] = { bytes: bytes.byteLength, sha256: sha256(bytes) };
        }
        await syncDir(join(temp, name));
      }
      const full: CheckpointMeta = {
        version,
        agent: input.data.agent,
        algo: input.data.algo,
        created_at: new Date().toISOString(),
        step: input.data.step,
        parent: input.data.parent,
        feature_dim: input.data.feature_dim,
        metrics: input.data.metrics,
        ...(input.data.provenance ? { provenance: input.data.provenance } : {}),
        files,
      };
      await writeFileDurable(join(temp, META_FILE), `${JSON.stringify(full, null, 2)}\n`);
      await syncDir(temp);
      await rename(temp, join(this.root, version));
      placed = true;
      await syncDir(this.root);
      if (options.makeCurrent !== false) await this.setCurrent(version);
      return full;
    } catch (error) {
      await rm(temp, { recursive: true, force: true }).catch(() => undefined); // else the next save removes it
      const current = await this.currentVersion().catch(() => null);
      // Placed but not made current: all or nothing, so it goes too. (`current` names it only
      // when the pointer's rename landed and just the fsync after it failed: then it stays.)
      if (placed && current !== version) await this.removeVersion(version).catch(() => undefined);
      const diskFull = (error as NodeJS.ErrnoException).code === 'ENOSPC' ? ': the disk is full; free some space and train again' : '';
      throw new CheckpointError(
        'SAVE_FAILED',
        `could not save checkpoint ${version} in ${this.root} (${messageOf(error)})${diskFull}; the current version is ${current ?? 'none'}`,
        { cause: error },
      );
    }
  }

  /** The versions that pass verification, oldest first. Temp folders and damaged versions are left out. */
  async list(): Promise<CheckpointMeta[]> {
    const metas: CheckpointMeta[] = [];
    for (const version of await this.versionNames()) {
      const found = await this.inspect(version);
      if (found.ok) metas.push(found.meta);
    }
    return metas;
  }

  /** The version `current` names, or null when none has been made current. */
  async currentVersion(): Promise<string | null> {
    const path = join(this.root, CURRENT_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const version = text.trim();
    if (!VERSION_RE.test(version)) {
      throw new CheckpointError('CORRUPT', `${path} holds ${JSON.stringify(version.slice(0, 40))}, not a version name; make a version current again`);
    }
    return version;
  }

  /** Makes `version` current (atomic rename); refuses one that fails verification. */
  async setCurrent(version: string): Promise<void> {
    checkVersionName(version);
    const found = await this.inspect(version);
    if (!found.ok) {
      throw new CheckpointError(found.code, `cannot make ${version} current in ${this.root}: ${found.reason}; the current version is unchanged`);
    }
    await this.writeCurrent(version);
  }

  /** Makes the newest good version older than the current one current, skipping damaged ones, and returns it. */
  async rollback(): Promise<CheckpointMeta> {
    const current = await this.currentVersion();
    if (!current) throw new CheckpointError('NOTHING_TO_ROLL_BACK', `no version is current in ${this.root}, so there is nothing to roll back from`);
    const skipped: string[] = [];
    for (const version of await this.olderThan(current)) {
      const found = await this.inspect(version);
      if (found.ok) {
        await this.writeCurrent(version);
        return found.meta;
      }
      skipped.push(`${version}: ${found.reason}`);
    }
    throw new CheckpointError(
      'NOTHING_TO_ROLL_BACK',
      `there is no good version older than ${current} in ${this.root} to roll back to${skipped.length ? ` (damaged: ${skipped.join('; ')})` : ''}; ${current} stays current`,
    );
  }

  /** Whether the version is whole: meta.json parses and every file has its recorded size and sha256. */
  async verify(version: string): Promise<{ ok: true } | { ok: false; reason: string }> {
    const found = await this.inspect(version);
    return found.ok ? { ok: true } : { ok: false, reason: found.reason };
  }

  /** Loads a verified version. Throws NOT_FOUND, CORRUPT, or FEATURE_DIM_MISMATCH when `featureDim` is given and differs. */
  async load(version: string, options: LoadOptions = {}): Promise<{ meta: CheckpointMeta; models: CheckpointModels }> {
    checkVersionName(version);
    const attempt = await this.tryLoad(version, options);
    if (attempt.ok) return { meta: attempt.meta, models: attempt.models };
    const advice = {
      NOT_FOUND: 'list() shows the versions there',
      CORRUPT: 'roll back or make another version current',
      FEATURE_DIM_MISMATCH: 'train a new policy for the current features',
    }[attempt.code];
    throw new CheckpointError(attempt.code, `cannot load checkpoint ${version} from ${this.root}: ${attempt.reason}; ${advice}`);
  }

  /**
   * Loads the current version; when it is missing, damaged or for another
   * feature size, the newest good older one, saying why in `warnings`. When
   * none is usable, `{ meta: null, models: null }`: the caller then runs its
   * prior-only policy. Never throws. It does not move `current`: that stays
   * the user's (or the updater's) decision.
   */
  async loadCurrent(
    options: LoadOptions = {},
  ): Promise<{ meta: CheckpointMeta | null; models: CheckpointModels | null; warnings: string[] }> {
    const warnings: string[] = [];
    const none = () => ({ meta: null, models: null, warnings });
    try {
      let current: string | null;
      try {
        current = await this.currentVersion();
      } catch (error) {
        warnings.push(`${messageOf(error)}; using the prior-only policy`);
        return none();
      }
      if (!current) {
        // Versions saved with makeCurrent: false were never promoted: loading one would skip the "not worse" check.
        const count = (await this.versionNames()).length;
        if (count) warnings.push(`${count} checkpoint(s) in ${this.root} but none is current; using the prior-only policy`);
        return none();
      }
      for (const version of [current, ...(await this.olderThan(current))]) {
        const attempt = await this.tryLoad(version, options);
        if (attempt.ok) {
          if (version !== current) warnings.push(`using ${version}, the newest usable version before ${current}`);
          return { meta: attempt.meta, models: attempt.models, warnings };
        }
        warnings.push(`checkpoint ${version}${version === current ? ' (current)' : ''} is unusable: ${attempt.reason}`);
      }
      warnings.push(`no usable checkpoint in ${this.root}; using the prior-only policy`);
      return none();
    } catch (error) {
      warnings.push(`the checkpoints in ${this.root} cannot be read (${messageOf(error)}); using the prior-only policy`);
      return none();
    }
  }

  /**
   * Deletes every version but the newest `keep` good ones and the current
   * one (damaged versions go too: nothing can use them); returns the deleted
   * versions, oldest first.
   */
  async prune(keep: number): Promise<string[]> {
    if (!Number.isInteger(keep) || keep < 0) throw new CheckpointError('INVALID_INPUT', `prune needs a whole number of versions to keep, got ${keep}`);
    // Read first: with an unreadable pointer, which version is in use is unknown, so nothing is deleted.
    const current = await this.currentVersion();
    const names = await this.versionNames();
    const good: string[] = [];
    for (const version of names) if ((await this.inspect(version)).ok) good.push(version);
    const kept = new Set(good.slice(Math.max(0, good.length - keep)));
    if (current) kept.add(current);
    const removed = names.filter((version) => !kept.has(version));
    for (const version of removed) await this.removeVersion(version);
    return removed;
  }

  private async tryLoad(version: string, options: LoadOptions): Promise<Attempt> {
    const found = await this.inspect(version);
    if (!found.ok) return found;
    const { meta } = found;
    if (options.featureDim !== undefined && options.featureDim !== meta.feature_dim) {
      return {
        ok: false,
        code: 'FEATURE_DIM_MISMATCH',
        reason: `it was trained for ${meta.feature_dim} features but the policy now has ${options.featureDim}`,
      };
    }
    await ensureTfBackend();
    const models: CheckpointModels = {};
    try {
      for (const name of modelNames(meta)) models[name] = await layersModelFromFiles(filesOf(found.files, name));
    } catch (error) {
      for (const model of Object.values(models)) model.dispose();
      return { ok: false, code: 'CORRUPT', reason: `its files pass their checksums but do not make a model (${messageOf(error)})` };
    }
    return { ok: true, meta, models };
  }

  /** Reads a version's meta.json and files, checking each file's size and sha256. */
  private async inspect(version: string): Promise<Inspection> {
    if (!VERSION_RE.test(version)) return { ok: false, code: 'NOT_FOUND', reason: `${JSON.stringify(version)} is not a version name (v0001, v0002, …)` };
    const dir = join(this.root, version);
    let text: string;
    try {
      text = await readFile(join(dir, META_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { ok: false, code: 'CORRUPT', reason: `${META_FILE} cannot be read (${messageOf(error)})` };
      const folderExists = await stat(dir).then(
        () => true,
        () => false,
      );
      return folderExists
        ? { ok: false, code: 'CORRUPT', reason: `${META_FILE} is missing` }
        : { ok: false, code: 'NOT_FOUND', reason: 'the version folder does not exist' };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, code: 'CORRUPT', reason: `${META_FILE} is not valid JSON (truncated?)` };
    }
    const parsed = StoredMeta.safeParse(json);
    if (!parsed.success) return { ok: false, code: 'CORRUPT', reason: `${META_FILE} is malformed (${schemaReason(parsed.error)})` };
    const meta: CheckpointMeta = parsed.data;
    if (meta.version !== version) return { ok: false, code: 'CORRUPT', reason: `${META_FILE} is for ${meta.version}, not ${version}` };
    if (!modelNames(meta).length) return { ok: false, code: 'CORRUPT', reason: `${META_FILE} lists no model` };

    const files = new Map<string, Uint8Array>();
    for (const [path, expected] of Object.entries(meta.files)) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(join(dir, ...path.split('/')));
      } catch (error) {
        const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
        return { ok: false, code: 'CORRUPT', reason: missing ? `${path} is missing` : `${path} cannot be read (${messageOf(error)})` };
      }
      if (bytes.byteLength !== expected.bytes) {
        return { ok: false, code: 'CORRUPT', reason: `${path} has ${bytes.byteLength} bytes, ${META_FILE} says ${expected.bytes}` };
      }
      if (sha256(bytes) !== expected.sha256) return { ok: false, code: 'CORRUPT', reason: `${path} fails its sha256 check (the file is corrupted)` };
      files.set(path, bytes);
    }
    return { ok: true, meta, files };
  }

  /** Version folder names (damaged ones included, temp folders not), oldest first. */
  private async versionNames(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.filter((name) => VERSION_RE.test(name)).sort((a, b) => versionNumber(a) - versionNumber(b));
  }

  /** Versions older than `version`, newest first. */
  private async olderThan(version: string): Promise<string[]> {
    const limit = versionNumber(version);
    return (await this.versionNames()).filter((name) => versionNumber(name) < limit).reverse();
  }

  private async writeCurrent(version: string): Promise<void> {
    const temp = join(this.root, `${TEMP_PREFIX}${CURRENT_FILE}-${process.pid}`);
    try {
      await writeFileDurable(temp, `${version}\n`);
      await rename(temp, join(this.root, CURRENT_FILE));
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined); // else the next save removes it
      throw error;
    }
    await syncDir(this.root);
  }

  /** Renamed out of the version namespace first, so a kill mid-delete leaves a temp folder, not a half version. */
  private async removeVersion(version: string): Promise<void> {
    const trash = join(this.root, `${TEMP_PREFIX}removed-${version}-${process.pid}`);
    await rename(join(this.root, version), trash);
    await syncDir(this.root);
    await rm(trash, { recursive: true, force: true });
  }

  /** Leftovers of a save, pointer switch or delete that a killed process did not finish. */
  private async removeTempEntries(): Promise<void> {
    for (const name of await readdir(this.root)) {
      if (name.startsWith(TEMP_PREFIX)) await rm(join(this.root, name), { recursive: true, force: true });
    }
  }
}

function checkVersionName(version: string): void {
  if (!VERSION_RE.test(version)) {
    throw new CheckpointError('INVALID_INPUT', `${JSON.stringify(version)} is not a version name (v0001, v0002, …)`);
  }
}

function formatVersion(n: number): string {
  return `v${String(n).padStart(4, '0')}`;
}

function versionNumber(version: string): number {
  return Number(VERSION_RE.exec(version)?.[1] ?? Number.NaN);
}

function modelNames(meta: CheckpointMeta): string[] {
  return Object.keys(meta.files)
    .filter((path) => path.endsWith(MODEL_JSON_SUFFIX))
    .map((path) => path.slice(0, -MODEL_JSON_SUFFIX.length));
}

/** The files of model `name`, by their name inside its folder. */
function filesOf(files: Map<string, Uint8Array>, name: string): LayersModelFiles {
  const prefix = `${name}/`;
  const out: LayersModelFiles = {};
  for (const [path, bytes] of files) if (path.startsWith(prefix)) out[path.slice(prefix.length)] = bytes;
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Fsyncs a folder so the names created or renamed in it survive a power cut.
 * Windows cannot open a folder for syncing; NTFS journals renames itself.
 */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
