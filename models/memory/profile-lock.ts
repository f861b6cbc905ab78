import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { MemoryError } from './errors.js';

const LOCK_FILE = '.memr1.lock';
const heldInThisProcess = new Set<string>();

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/**
 * One writer per profile: a lock file holding the owner's pid. A lock left by a
 * process that died (a crash, SIGKILL) is stale and taken over; a live owner
 * makes the open fail with PROFILE_LOCKED. Only for local folders: object
 * stores have no such file, and LanceDB's own commit protocol guards them.
 */
export class ProfileLock {
  private constructor(private readonly path: string) {}

  static acquire(folder: string): ProfileLock {
    const path = join(resolve(folder), LOCK_FILE);
    if (heldInThisProcess.has(path)) {
      throw new MemoryError('PROFILE_LOCKED', `the memory database at ${folder} is already open in this process; close it first`);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
        writeSync(fd, JSON.stringify(owner));
        closeSync(fd);
        heldInThisProcess.add(path);
        return new ProfileLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = readOwner(path);
        if (owner && isAlive(owner)) {
          throw new MemoryError(
            'PROFILE_LOCKED',
            `the memory database at ${folder} is in use by another process (pid ${owner.pid} since ${owner.since}); close that app or command and try again`,
          );
        }
        rmSync(path, { force: true }); // stale: its owner is gone
      }
    }
    throw new MemoryError('PROFILE_LOCKED', `could not lock ${folder}: another process keeps taking the lock`);
  }

  release(): void {
    if (!heldInThisProcess.delete(this.path)) return;
    rmSync(this.path, { force: true });
  }
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return undefined; // unreadable or half-written: its writer died mid-write
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true; // cannot tell for another machine: assume it is in use
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
