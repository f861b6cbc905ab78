import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MemoryError, isMemoryError } from '../memory/errors.js';
import { ProfileLock } from '../memory/profile-lock.js';
import { CheckpointError, CheckpointStore, type CheckpointMeta, type CheckpointModels } from '../rl/checkpoints.js';
import type { PolicyProvenance } from '../rl/provenance.js';
import { ensureTfBackend } from '../util/tf-backend.js';
import { profileLayout } from '../util/profile-layout.js';
import { FEATURE_DIMS, policyFolder, type AgentName } from './policy-loader.js';

const AGENTS: readonly AgentName[] = ['manager', 'answer'];
const TRAIN_HINT = 'train one with `memr1 train --data locomo10.json --agent both --install`, or name a folder that holds trained checkpoints';

/** One agent's checkpoint folder to install from, and which version (default: its current one). */
export interface InstallSource {
  folder: string;
  version?: string;
}

export interface InstalledPolicy {
  agent: AgentName;
  /** The new version in the profile, now current. */
  version: string;
  /** The version installed, in its own folder. */
  from: { folder: string; version: string };
  provenance: PolicyProvenance;
}

/**
 * The agent folders inside `dir`: `dir/manager` and `dir/answer` when it is a
 * `<checkpoints>/<algo>` folder of `memr1 train --data`, else `dir` itself
 * (one agent's folder). Refuses NOTHING_TO_INSTALL when there is no such folder.
 */
export async function findInstallSources(dir: string): Promise<InstallSource[]> {
  if (!(await isFolder(dir))) throw new CheckpointError('NOTHING_TO_INSTALL', `${dir} is not a folder; ${TRAIN_HINT}`);
  const agentFolders = [];
  for (const agent of AGENTS) if (await isFolder(join(dir, agent))) agentFolders.push({ folder: join(dir, agent) });
  return agentFolders.length ? agentFolders : [{ folder: dir }];
}

/**
 * Installs trained policies into a profile: each source version is checked
 * whole (checksums, its agent, the feature size the agents use now, a
 * recorded provenance) before anything is written, then copied as a new
 * version of `<profile>/policies/<agent>` with its provenance plus where and
 * when it was installed, and made current. Saving is atomic and `setCurrent`
 * re-verifies the written files, so a failure leaves the previous version in
 * use. Refused with PROFILE_LOCKED while the app or another command holds the
 * profile: the running app would otherwise keep its old policy without saying so.
 */
export async function installPolicies(sources: readonly InstallSource[], profileDir: string): Promise<InstalledPolicy[]> {
  await ensureTfBackend();
  const checked: Array<{ agent: AgentName; folder: string; meta: CheckpointMeta; models: CheckpointModels; provenance: PolicyProvenance }> = [];
  try {
    for (const source of sources) {
      const found = await readSource(source);
      if (checked.some((c) => c.agent === found.agent)) {
        throw new CheckpointError('INVALID_INPUT', `two folders hold a ${found.agent} policy (${checked.find((c) => c.agent === found.agent)!.folder} and ${found.folder}); install one of them`);
      }
      checked.push(found);
    }
    const layout = profileLayout(profileDir);
    const lock = await lockProfile(layout.memory);
    try {
      const installed: InstalledPolicy[] = [];
      const installedAt = new Date().toISOString();
      for (const { agent, folder, meta, models, provenance } of checked) {
        const target = new CheckpointStore(policyFolder(layout.policies, agent));
        const copy = { ...provenance, installed_from: folder, installed_at: installedAt };
        const saved = await target.save(
          models,
          { agent, algo: meta.algo, step: meta.step, parent: null, feature_dim: meta.feature_dim, metrics: meta.metrics, provenance: copy },
          { makeCurrent: false },
        );
        await target.setCurrent(saved.version); // verifies the files just written before switching
        installed.push({ agent, version: saved.version, from: { folder, version: meta.version }, provenance: copy });
      }
      return installed;
    } finally {
      lock?.release();
    }
  } finally {
    for (const { models } of checked) for (const model of Object.values(models)) model.dispose();
  }
}

/** A source's version, loaded and checked, with its provenance (the training time filled in from an older meta). */
async function readSource(source: InstallSource) {
  const folder = resolve(source.folder);
  const store = new CheckpointStore(folder);
  const [good, version] = [await store.list(), source.version ?? (await store.currentVersion())];
  if (!version) {
    throw new CheckpointError(
      'NOTHING_TO_INSTALL',
      good.length ? `${folder} holds ${good.length} checkpoint(s) but none is current (a training run makes the version it chose current); train again or install another folder` : `${folder} holds no checkpoint; ${TRAIN_HINT}`,
    );
  }
  const meta = good.find((m) => m.version === version);
  if (!meta) {
    const check = await store.verify(version);
    const reason = check.ok ? 'it cannot be read' : check.reason;
    throw new CheckpointError('CORRUPT', `cannot install ${version} from ${folder}: ${reason}; train it again (\`memr1 train --data …\`) or install another folder`);
  }
  const agent = meta.agent as AgentName;
  if (!AGENTS.includes(agent)) throw new CheckpointError('INVALID_INPUT', `${folder} holds a policy for "${meta.agent}", not for the manager or the answer agent; install a folder that \`memr1 train\` wrote`);
  if (meta.feature_dim !== FEATURE_DIMS[agent]) {
    throw new CheckpointError(
      'FEATURE_DIM_MISMATCH',
      `cannot install ${version} from ${folder}: it was trained for ${meta.feature_dim} features but the ${agent} now has ${FEATURE_DIMS[agent]}; train it again with this version of memr1`,
    );
  }
  if (!meta.provenance) {
    throw new CheckpointError('INVALID_INPUT', `${version} in ${folder} records no provenance (it was trained before memr1 recorded one); train it again with \`memr1 train --data … --install\``);
  }
  const { models } = await store.load(version, { featureDim: FEATURE_DIMS[agent] });
  const provenance: PolicyProvenance = { ...meta.provenance, trained_at: meta.provenance.trained_at ?? meta.created_at };
  return { agent, folder, meta, models, provenance };
}

/** The profile's lock, when the profile has a memory database (none yet: nothing can have it open). */
async function lockProfile(memoryFolder: string): Promise<ProfileLock | undefined> {
  if (!existsSync(memoryFolder)) return undefined;
  try {
    return await ProfileLock.acquire(memoryFolder);
  } catch (error) {
    if (!isMemoryError(error, 'PROFILE_LOCKED')) throw error;
    throw new MemoryError('PROFILE_LOCKED', `cannot install policies while the profile is open (the running app would go on with its old ones): ${error.message}`, { cause: error });
  }
}

async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
