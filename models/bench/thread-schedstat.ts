import { readFileSync } from 'node:fs';

/** The calling thread's scheduler accounting so far, in nanoseconds. */
export interface ThreadSchedstat {
  /** Time it ran on a CPU (booked at the scheduler's ticks, so coarse for a running thread). */
  onCpuNs: number;
  /** Time it was ready to run but waited for a CPU (another thread had it), booked when it gets the CPU back. */
  runQueueNs: number;
}

/**
 * Reads `/proc/thread-self/schedstat` (Linux): lets a benchmark tell a gap
 * in the event loop that the thread spent running code from one it spent
 * waiting for a core the OS gave to another thread. Undefined elsewhere.
 */
export function readThreadSchedstat(): ThreadSchedstat | undefined {
  try {
    const [onCpu, runQueue] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { onCpuNs: Number(onCpu), runQueueNs: Number(runQueue) };
  } catch {
    return undefined;
  }
}
