import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LearningAgent, PolicyVersionView } from '../contract/learning-schemas.js';
import { CheckpointStore } from '../rl/checkpoints.js';

/** A checkpoint version folder's name (`v0001`…), as `CheckpointStore` numbers them. */
const VERSION_FOLDER = /^v\d{4,}$/;

/**
 * Every version in an agent's checkpoint folder, newest first: the good ones
 * with their scores, and the damaged ones with `problem` saying why they are
 * skipped. `current` marks the version in use.
 */
export async function policyVersions(folder: string, agent: LearningAgent, inUse: string): Promise<PolicyVersionView[]> {
  const checkpoints = new CheckpointStore(folder);
  const good = await checkpoints.list();
  const names = (await readdir(folder).catch(() => [] as string[])).filter((name) => VERSION_FOLDER.test(name));
  const views: PolicyVersionView[] = good.map((meta) => ({
    agent,
    version: meta.version,
    algo: meta.algo,
    created_at: meta.created_at,
    step: meta.step,
    parent: meta.parent,
    metrics: meta.metrics,
    current: meta.version === inUse,
    problem: null,
    ...(meta.provenance ? { provenance: meta.provenance } : {}),
  }));
  for (const version of names.filter((name) => !good.some((meta) => meta.version === name))) {
    const check = await checkpoints.verify(version);
    const modified = await stat(join(folder, version)).then((s) => s.mtime.toISOString(), () => new Date(0).toISOString());
    const problem = check.ok ? 'it cannot be read' : check.reason;
    views.push({ agent, version, algo: 'unknown', created_at: modified, step: 0, parent: null, metrics: {}, current: false, problem: `damaged, skipped: ${problem}` });
  }
  return views.sort((a, b) => b.version.localeCompare(a.version, 'en', { numeric: true }));
}
