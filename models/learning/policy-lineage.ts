import type * as tf from '@tensorflow/tfjs';
import { FEATURE_DIMS, type AgentName } from '../agents/policy-loader.js';
import { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import { CategoricalPolicy } from '../rl/categorical-policy.js';
import { CheckpointStore, type CheckpointMeta } from '../rl/checkpoints.js';
import type { RowState } from '../rl/pad-batch.js';

/**
 * A version the on-device updater promoted from the user's feedback. Older
 * promotions carry no provenance: they are the versions with a parent
 * (installed and prior versions have none).
 */
export function isFeedbackVersion(meta: CheckpointMeta): boolean {
  return meta.provenance ? meta.provenance.source === 'feedback' : meta.parent !== null;
}

/**
 * The agent's base version: the newest good version that did not come from
 * the user's feedback (one installed from LoCoMo or synthetic training, or
 * the saved prior), or `prior` when there is none. Every feedback update is
 * anchored to it: the KL penalty pulls toward it and the LoCoMo guard
 * compares with it, so many promotions cannot drift far from it.
 */
export async function baseVersion(folder: string): Promise<{ version: string; net: tf.LayersModel | undefined }> {
  const versions = (await new CheckpointStore(folder).list()).reverse();
  const base = versions.find((meta) => !isFeedbackVersion(meta));
  if (!base) return { version: 'prior', net: undefined };
  const { models } = await new CheckpointStore(folder).load(base.version);
  return { version: base.version, net: models.policy };
}

/** A prior-only network for the agent: its last layer starts at zero, so its logits are the prior's. */
export function priorOnlyNet(agent: AgentName): tf.LayersModel {
  return agent === 'manager' ? CategoricalPolicy.create(FEATURE_DIMS.manager).net : BernoulliPolicy.create(FEATURE_DIMS.answer).net;
}

/**
 * The keep logits of the answer policy that distilled an episode, by its
 * recorded version: the one in use, an older checkpoint still on disk, or
 * the prior (whose logits are the state's prior). Undefined when that
 * version was pruned: its episode can train but not judge.
 */
export class ActingAnswerPolicies {
  private readonly loaded = new Map<string, Promise<BernoulliPolicy | undefined>>();

  constructor(
    private readonly folder: string,
    private readonly inUse: { version: string; policy: BernoulliPolicy },
  ) {}

  async logits(version: string, state: RowState): Promise<Float32Array | undefined> {
    if (version === 'prior') return Float32Array.from(state.prior);
    const policy = version === this.inUse.version ? this.inUse.policy : await this.load(version);
    return policy?.stateLogits(state);
  }

  dispose(): void {
    for (const policy of this.loaded.values()) void policy.then((p) => p?.net.dispose());
  }

  private load(version: string): Promise<BernoulliPolicy | undefined> {
    let found = this.loaded.get(version);
    if (!found) {
      found = new CheckpointStore(this.folder)
        .load(version, { featureDim: FEATURE_DIMS.answer })
        .then(({ models }) => (models.policy ? new BernoulliPolicy(models.policy) : undefined))
        .catch(() => undefined);
      this.loaded.set(version, found);
    }
    return found;
  }
}
