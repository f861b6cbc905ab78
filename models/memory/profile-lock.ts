import { createHash, randomUUID } from 'node:crypto';
import { linkSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryError } from './errors.js';

const LOCK_FILE = '.memr1.lock';
/** The owner touches its lock this often, so another machine can tell a live owner from a dead one. */
const REFRESH_MS = 10_000;
/** A lock from another machine not refreshed for this long is stale (its pid cannot be checked from here). */
const FOREIGN_STALE_MS = 6 * REFRESH_MS;
/** A lock file that does not parse yet may still be being written (filesystems without hard links). */
const UNFINISHED_GRACE_MS = 5_000;
/** How long to wait for another process that is taking over a stale lock to finish. */
const TAKEOVER_WAIT_MS = 3_000;
const heldInThisProcess = new Set<string>();

/** What a lock file holds. `nonce` tells one taking of a lock from every other, even with a reused pid. */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
  nonce: string;
}

/**
 * One writer per profile: a lock file naming its owner. The protocol, in
 * which no step is a read-then-act race:
 * - **take**: the owner record is written to a private temp file and
 *   hard-linked to the lock path; the link fails if the path exists, so a lock
 *   file is never seen half-written, and only one process can create it.
 * - **stale takeover**: a lock whose owner is dead may be removed only by the
 *   process that first creates `<lock>.steal-<nonce>` (taken by the same
 *   protocol, so a takeover left by a crash is itself taken over); that
 *   process removes the dead lock, then races for the path like anyone else.
 * - **release** removes the file only while it still holds our nonce, and the
 *   owner refreshes its mtime while it holds the lock.
 * Only for local folders: object stores have no such file, and LanceDB's own
 * commit protocol guards them.
 */
export class ProfileLock {
  private readonly refresher: NodeJS.Timeout;

  private constructor(
    private readonly path: string,
    readonly owner: LockOwner,
  ) {
    // Unref'd: holding a lock never keeps a finished process alive.
    this.refresher = setInterval(() => this.refresh(), REFRESH_MS).unref();
  }

  static async acquire(folder: string): Promise<ProfileLock> {
    const path = join(resolve(folder), LOCK_FILE);
    if (heldInThisProcess.has(path)) {
      throw new MemoryError('PROFILE_LOCKED', `the memory database at ${folder} is already open in this process; close it first`);
    }
    heldInThisProcess.add(path); // claimed before the first await: a second open in this process is refused, not raced
    try {
      const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), nonce: randomUUID() };
      const holder = await take(path, me);
      if (holder) {
        throw new MemoryError(
          'PROFILE_LOCKED',
          `the memory database at ${folder} is in use by another process (pid ${holder.pid} on ${holder.host} since ${holder.since}); close that app or command and try again`,
        );
      }
      return new ProfileLock(path, me);
    } catch (error) {
      heldInThisProcess.delete(path);
      throw error;
    }
  }

  /** Removes the lock file if it is still ours (it always is while this process lives; never someone else's). */
  release(): void {
    if (!heldInThisProcess.delete(this.path)) return;
    clearInterval(this.refresher);
    if (readOwner(this.path)?.nonce === this.owner.nonce) rmSync(this.path, { force: true });
  }

  private refresh(): void {
    try {
      if (readOwner(this.path)?.nonce === this.owner.nonce) utimesSync(this.path, new Date(), new Date());
    } catch {
      // A failed touch only lets another machine judge us stale sooner; the next tick tries again.
    }
  }
}

/** Makes `path` hold `me`. Returns nothing when it does, or the live owner that holds it. */
async function take(path: string, me: LockOwner): Promise<LockOwner | undefined> {
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    if (linkNew(path, me)) return undefined;
    const held = readOwner(path);
    if (!held) continue; // released between our link and our read: try again
    if (isAlive(held, path)) return held;
    // Stale. Only the process holding `<path>.steal-<nonce>` may remove it.
    const stealPath = `${path}.steal-${held.nonce}`;
    const stealer = await take(stealPath, me);
    if (stealer) {
      if (Date.now() > deadline) return stealer;
      await sleep(5); // another process is taking it over: it is quick, then look again
      continue;
    }
    // Only the steal holder removes this record, and its nonce never comes back: the check cannot go stale before the removal.
    if (readOwner(path)?.nonce === held.nonce) rmSync(path, { force: true });
    rmSync(stealPath, { force: true }); // after the dead lock is gone, so no late stealer can remove a fresh one
  }
}

/** Creates `path` holding `me`, atomically and complete; false if it exists. */
function linkNew(path: string, me: LockOwner): boolean {
  const temp = `${path}.tmp-${randomUUID()}`;
  writeFileSync(temp, JSON.stringify(me), { flag: 'wx' });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** The lock's owner; undefined when there is no lock file. A record that does not parse gets a nonce from its bytes. */
function readOwner(path: string): LockOwner | undefined {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const nonce = createHash('sha256').update(raw).digest('hex').slice(0, 32);
  try {
    const parsed = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      // Locks written before the nonce existed get one from their bytes, the same for every reader.
      return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? '?'), nonce: parsed.nonce ?? nonce };
    }
  } catch {
    // falls through: not a record
  }
  return { pid: 0, host: '', since: '?', nonce };
}

function isAlive(owner: LockOwner, path: string): boolean {
  const age = () => {
    try {
      return Date.now() - statSync(path).mtimeMs;
    } catch {
      return Infinity;
    }
  };
  if (owner.pid === 0) return age() < UNFINISHED_GRACE_MS; // unparsable: young means still being written
  if (owner.host !== hostname()) return age() < FOREIGN_STALE_MS;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
