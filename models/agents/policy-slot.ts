import type * as tf from '@tensorflow/tfjs';
import type { LoadedPolicy } from './policy-loader.js';

interface Entry<P> {
  loaded: LoadedPolicy<P>;
  users: number;
  retired: boolean;
  freed: boolean;
}

/**
 * An agent's policy in use, which the updater can replace while the app runs
 * (a promotion, a rollback): the next chat turn uses the new one. A turn
 * holds the policy it started with through `use`, and a replaced policy's
 * weights are freed only once no turn holds it.
 */
export class PolicySlot<P extends { net: tf.LayersModel }> {
  private current: Entry<P>;

  constructor(loaded: LoadedPolicy<P>) {
    this.current = { loaded, users: 0, retired: false, freed: false };
  }

  /** The checkpoint version in use (`prior`: no trained policy). */
  get version(): string {
    return this.current.loaded.version;
  }

  /** Why the current checkpoint could not be used as it is, when it could not (a damaged version skipped…). */
  get warnings(): readonly string[] {
    return this.current.loaded.warnings;
  }

  async use<T>(work: (loaded: LoadedPolicy<P>) => T | Promise<T>): Promise<T> {
    const entry = this.current;
    entry.users++;
    try {
      return await work(entry.loaded);
    } finally {
      entry.users--;
      release(entry);
    }
  }

  replace(next: LoadedPolicy<P>): void {
    const old = this.current;
    this.current = { loaded: next, users: 0, retired: false, freed: false };
    old.retired = true;
    release(old);
  }

  dispose(): void {
    this.current.retired = true;
    release(this.current);
  }
}

function release<P extends { net: tf.LayersModel }>(entry: Entry<P>): void {
  if (!entry.retired || entry.users > 0 || entry.freed) return;
  entry.freed = true;
  entry.loaded.policy.net.dispose();
}
