import type * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import { CategoricalPolicy } from '../rl/categorical-policy.js';
import { CheckpointStore } from '../rl/checkpoints.js';
import { ensureTfBackend } from '../util/tf-backend.js';
import { ANSWER_FEATURE_DIM } from './answer-state.js';
import { MANAGER_FEATURE_DIM } from './manager-state.js';

export type AgentName = 'manager' | 'answer';

export interface LoadedPolicy<P> {
  policy: P;
  /** The checkpoint version, or `prior` when no trained policy is usable. */
  version: string;
  warnings: string[];
}

/** `<profile>/policies/<agent>`: where an agent's checkpoints live. */
export function policyFolder(policiesDir: string, agent: AgentName): string {
  return join(policiesDir, agent);
}

export const FEATURE_DIMS: Record<AgentName, number> = { manager: MANAGER_FEATURE_DIM, answer: ANSWER_FEATURE_DIM };

async function loadNet(policiesDir: string, agent: AgentName): Promise<{ net: tf.LayersModel | undefined; version: string; warnings: string[] }> {
  await ensureTfBackend(); // before any tensor exists, so TF.js never starts on its slow default backend
  const store = new CheckpointStore(policyFolder(policiesDir, agent));
  const { meta, models, warnings } = await store.loadCurrent({ featureDim: FEATURE_DIMS[agent] });
  const net = models?.policy;
  if (meta && !net) warnings.push(`checkpoint ${meta.version} has no "policy" model; using the prior-only policy`);
  return { net, version: net && meta ? meta.version : 'prior', warnings };
}

/**
 * The manager's current policy: the current checkpoint, or (with the reason in
 * `warnings`) the prior-only policy when there is none or it is damaged.
 */
export async function loadManagerPolicy(policiesDir: string): Promise<LoadedPolicy<CategoricalPolicy>> {
  const { net, version, warnings } = await loadNet(policiesDir, 'manager');
  return { policy: net ? new CategoricalPolicy(net) : CategoricalPolicy.create(MANAGER_FEATURE_DIM), version, warnings };
}

export async function loadAnswerPolicy(policiesDir: string): Promise<LoadedPolicy<BernoulliPolicy>> {
  const { net, version, warnings } = await loadNet(policiesDir, 'answer');
  return { policy: net ? new BernoulliPolicy(net) : BernoulliPolicy.create(ANSWER_FEATURE_DIM), version, warnings };
}

/** The version an agent would use now (`prior` when no trained policy is usable), with the same fallbacks as loading it. */
export async function policyVersionInUse(policiesDir: string, agent: AgentName): Promise<string> {
  const { net, version } = await loadNet(policiesDir, agent);
  net?.dispose();
  return version;
}
