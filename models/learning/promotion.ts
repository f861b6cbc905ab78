import type * as tf from '@tensorflow/tfjs';
import { FEATURE_DIMS, type AgentName } from '../agents/policy-loader.js';
import { feedbackProvenance, priorProvenance } from '../agents/policy-provenance.js';
import { CheckpointStore, type CheckpointMeta } from '../rl/checkpoints.js';
import type { Scores } from './update-job.js';

export interface CandidateToPromote {
  agent: AgentName;
  algo: string;
  steps: number;
  model: tf.LayersModel;
  metrics: Scores;
  /** The policy in use, which the candidate was trained from. */
  inUse: { version: string; net: tf.LayersModel };
  keepVersions: number;
}

/**
 * Saves a candidate that passed the gate as a new checkpoint version of the
 * agent's folder (`<profile>/policies/<agent>`) and switches `current` to it.
 * The save is atomic and checksummed, and `setCurrent` verifies the saved
 * files before switching, so a failure anywhere (a full disk) leaves the
 * previous version current. When the policy in use is the untrained prior,
 * it is saved first as a version of its own (algo `prior`), so that a
 * rollback can return to it. Older versions beyond `keepVersions` are then
 * pruned; a failed prune is reported, not fatal.
 */
export async function promoteCandidate(folder: string, candidate: CandidateToPromote): Promise<{ meta: CheckpointMeta; warning?: string }> {
  const checkpoints = new CheckpointStore(folder);
  const base = { agent: candidate.agent, feature_dim: FEATURE_DIMS[candidate.agent] };
  let parent = candidate.inUse.version === 'prior' ? null : candidate.inUse.version;
  parent ??= (await checkpoints.save({ policy: candidate.inUse.net }, { ...base, algo: 'prior', step: 0, parent: null, metrics: {}, provenance: priorProvenance(candidate.agent) })).version;
  const provenance = feedbackProvenance(candidate.agent, { algorithm: candidate.algo, validation: candidate.metrics });
  const meta = await checkpoints.save({ policy: candidate.model }, { ...base, algo: candidate.algo, step: candidate.steps, parent, metrics: candidate.metrics, provenance }, { makeCurrent: false });
  await checkpoints.setCurrent(meta.version);
  try {
    await checkpoints.prune(candidate.keepVersions);
    return { meta };
  } catch (error) {
    return { meta, warning: `older versions could not be pruned (${(error as Error).message})` };
  }
}
