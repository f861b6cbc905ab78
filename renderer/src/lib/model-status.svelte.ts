/**
 * The sidebar's model status dot: green only when the model's last call
 * worked, red with the reason when it failed, grey before any call. Read from
 * the engine, which records every reply's outcome.
 */
import { client } from './client';

export type ModelHealth = 'unknown' | 'ok' | 'failing';

class ModelStatus {
  health: ModelHealth = $state('unknown');
  /** Why it is failing, or what "unknown" means, in words for the dot's tooltip. */
  reason = $state('Not used yet: the dot turns green after its first reply.');

  refresh(): void {
    void client
      .invoke('models.status', {})
      .then(({ chat }) => {
        const last = chat.last_call;
        if (!chat.spec) [this.health, this.reason] = ['unknown', 'No chat model is set up.'];
        else if (!last) [this.health, this.reason] = chat.error ? ['failing', chat.error] : ['unknown', 'Not used yet: the dot turns green after its first reply.'];
        else if (last.ok) [this.health, this.reason] = ['ok', 'The model answered its last request.'];
        else [this.health, this.reason] = ['failing', last.error ?? 'The model did not answer its last request.'];
      })
      .catch(() => {
        [this.health, this.reason] = ['failing', 'Cannot reach the Memory-R1 engine.'];
      });
  }
}

export const modelStatus = new ModelStatus();
