import { setTimeout as sleep } from 'node:timers/promises';

/** The longest pause after one step (a step takes ~0.1–0.3 s). */
const MAX_PAUSE_MS = 1_000;

/**
 * The worker's back-off while the app serves a chat turn: each training step
 * is then followed by a pause as long as the step, so training gets at most
 * half a core. The worker already runs at the lowest priority, but on a
 * two-core machine (or two hyperthreads of one core) its arithmetic still
 * slows the chat's own.
 */
export class ChatPacer {
  private busy = false;
  private last = performance.now();

  setBusy(busy: boolean): void {
    this.busy = busy;
  }

  async afterStep(): Promise<void> {
    if (this.busy) await sleep(Math.min(performance.now() - this.last, MAX_PAUSE_MS));
    this.last = performance.now();
  }
}
