import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { join } from 'node:path';
import { AsyncQueue } from '../llm/async-queue.js';
import { packageRoot } from '../util/package-root.js';
import type { AppMessage, UpdateJob, WorkerMessage } from './update-job.js';

/**
 * The compiled worker script. Always the built one, also when the caller runs
 * from TypeScript sources (tests, tsx): the worker runs plain JavaScript.
 */
export const UPDATE_WORKER_FILE = join(packageRoot(), 'dist', 'models', 'learning', 'update-worker.js');

/** How a worker's run ended, when it did not say `finished` or `failed` itself. */
export type WorkerEnd = { kind: 'terminated' } | { kind: 'exited'; code: number | null; signal: string | null; stderr: string };

/** The end of the worker's error output kept for the report of a crash. */
const STDERR_TAIL = 2_000;

/**
 * One update in a worker process, read as the messages it posts (steps,
 * candidates, then `finished` or `failed`); the iteration ends when the
 * process exits, and `end` then says how. `terminate` kills it at once,
 * wherever it is: the worker writes nothing the app reads, so nothing is left
 * half done.
 *
 * A process rather than a worker thread: the worker loads native modules
 * (LanceDB for the LoCoMo gate's bank, TF.js), and terminating a thread while
 * LanceDB is loaded in it aborts the whole process in Node 20 (a V8 check on
 * its buffers fails), taking the chat down with it. A killed process cannot
 * hurt its parent. (It is also what an Electron utility process is.)
 */
export class UpdateWorker implements AsyncIterable<WorkerMessage> {
  private readonly messages = new AsyncQueue<WorkerMessage>();
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private terminated = false;
  private exit: { code: number | null; signal: string | null } | undefined;
  private stderr = '';

  constructor(job: UpdateJob, file = UPDATE_WORKER_FILE) {
    if (!existsSync(file)) throw new Error(`the updater's worker ${file} is missing: the engine is not built; run \`npm run build\` in the project folder`);
    // `advanced`: typed arrays cross as they are. execArgv: []: not the parent's flags (a debugger port, test loaders).
    this.child = fork(file, [], { serialization: 'advanced', execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    lowerPriority(this.child.pid);
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-STDERR_TAIL)));
    this.child.on('message', (message: WorkerMessage) => this.messages.push(message));
    this.child.on('error', (error) => this.messages.push({ type: 'failed', message: `the update worker could not run: ${error.message}` }));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        this.messages.end();
        resolve();
      }),
    );
    this.child.send(job);
  }

  [Symbol.asyncIterator](): AsyncIterator<WorkerMessage> {
    return this.messages[Symbol.asyncIterator]();
  }

  /** Tells the worker something while it runs (dropped once it has exited). */
  send(message: AppMessage): void {
    if (!this.exit && this.child.connected) this.child.send(message);
  }

  /** Why the process ended (read after the iteration is over). */
  get end(): WorkerEnd {
    return this.terminated ? { kind: 'terminated' } : { kind: 'exited', code: this.exit?.code ?? null, signal: this.exit?.signal ?? null, stderr: this.stderr.trim() };
  }

  /** Kills the process (if it still runs) and waits until it is gone. */
  async terminate(): Promise<void> {
    if (!this.exit) {
      this.terminated = true;
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }
}

/** Below the app's own priority, so that on a busy machine the chat gets the CPU first (the lowest: a nice of 19 on Unix). */
function lowerPriority(pid: number | undefined): void {
  if (pid === undefined) return; // the spawn failed: the 'error' event says why
  try {
    setPriority(pid, constants.priority.PRIORITY_LOW);
  } catch {
    // Not permitted here (some sandboxes): the update runs at normal priority, still outside the chat's process.
  }
}
