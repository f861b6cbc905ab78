import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Nice 10: the scheduler gives a thread at the default priority about ten times this one's share of a contended core. */
const BACKGROUND_NICE = 10;

/**
 * Lowers the calling thread's OS priority, where the OS allows it per
 * thread: on Linux a worker thread has its own id (read from
 * `/proc/thread-self`), and `setpriority` on it changes that thread alone.
 * For work off the main thread (embedding, learning) that should never
 * slow the chat's event loop: on two cores a busy worker otherwise takes
 * turns with the main thread for a core and the chat waits its turn.
 * Elsewhere (macOS, Windows), or when refused, nothing changes: it says why.
 */
export function lowerThisThreadPriority(): { lowered: boolean; reason: string } {
  let threadId: number;
  try {
    threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return { lowered: false, reason: 'no per-thread ids here (/proc/thread-self is Linux only)' };
  }
  if (!Number.isInteger(threadId) || threadId <= 0) return { lowered: false, reason: 'unreadable thread id' };
  try {
    setPriority(threadId, BACKGROUND_NICE);
    return { lowered: true, reason: `thread ${threadId} at nice ${BACKGROUND_NICE}` };
  } catch (error) {
    return { lowered: false, reason: (error as Error).message };
  }
}
