import { describe, expect, it } from 'vitest';
import { priorProvenance, feedbackProvenance } from '../../models/agents/policy-provenance.js';
import { FEATURE_DIMS } from '../../models/agents/policy-loader.js';
import { baseVersion } from '../../models/learning/policy-lineage.js';
import { CategoricalPolicy } from '../../models/rl/categorical-policy.js';
import { CheckpointStore } from '../../models/rl/checkpoints.js';
import type { PolicyProvenance } from '../../models/rl/provenance.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe("an agent's base version: what every feedback update is anchored to", () => {
  it('is the newest version that did not come from feedback: the prior, then an installed LoCoMo policy; none saved: the prior', async () => {
    await ensureTfBackend();
    const folder = tempDir();
    expect(await baseVersion(folder)).toEqual({ version: 'prior', net: undefined });
    const store = new CheckpointStore(folder);
    const save = async (parent: string | null, provenance?: PolicyProvenance) => {
      const net = CategoricalPolicy.create(FEATURE_DIMS.manager).net;
      const meta = await store.save({ policy: net }, { agent: 'manager', algo: 'grpo', step: 1, parent, feature_dim: FEATURE_DIMS.manager, metrics: {}, ...(provenance ? { provenance } : {}) });
      net.dispose();
      return meta.version;
    };
    const prior = await save(null, priorProvenance('manager'));
    await save(prior, feedbackProvenance('manager', { algorithm: 'grpo' }));
    // A promotion saved before versions recorded provenance: it has a parent, so it is a feedback version too.
    await save(prior);
    const base = await baseVersion(folder);
    expect(base.version).toBe(prior);
    base.net?.dispose();
    const installed = await save(null, { source: 'locomo', algorithm: 'grpo', prior: 'heuristic' });
    await save(installed, feedbackProvenance('manager', { algorithm: 'ppo' }));
    const anchored = await baseVersion(folder);
    expect(anchored.version).toBe(installed);
    expect(anchored.net).toBeDefined();
    anchored.net?.dispose();
  });
});
