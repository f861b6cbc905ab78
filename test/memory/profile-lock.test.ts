import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { ProfileLock } from '../../models/memory/profile-lock.js';
import { exited, spawnScript } from '../helpers/child-process.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const CONTENDERS = 4;
const TRIALS = 200;

/** A child that answers one line per command, in order. */
function contender(): { child: ChildProcessWithoutNullStreams; next: () => Promise<string> } {
  const child = spawnScript('test/fixtures/lock-race-child.ts', []);
  const waiting: Array<(line: string) => void> = [];
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => (waiting.length ? waiting.shift()!(line) : lines.push(line)));
  const next = () => new Promise<string>((resolve) => (lines.length ? resolve(lines.shift()!) : waiting.push(resolve)));
  return { child, next };
}

const children = Array.from({ length: CONTENDERS }, contender);
afterAll(async () => {
  for (const { child } of children) child.stdin.end();
  await Promise.all(children.map(({ child }) => exited(child)));
});

/** A pid that belonged to a process which has exited: what a crashed writer leaves in its lock. */
const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;

async function race(dir: string): Promise<{ holders: number[]; lockedMessages: string[]; others: string[] }> {
  const startAt = performance.timeOrigin + performance.now() + 30;
  for (const { child } of children) child.stdin.write(`trial ${dir} ${startAt}\n`);
  const answers = await Promise.all(children.map(({ next }) => next()));
  const holders = children.filter((_, i) => answers[i] === 'held').map(({ child }) => child.pid!);
  const lockedMessages = answers.filter((a) => a.startsWith('locked '));
  const others = answers.filter((a) => a !== 'held' && !a.startsWith('locked '));
  const lockFile = existsSync(join(dir, '.memr1.lock')) ? readFileSync(join(dir, '.memr1.lock'), 'utf8') : 'null';
  for (const { child } of children) child.stdin.write('release\n');
  await Promise.all(children.map(({ next }) => next()));
  // The file on disk names the one holder.
  if (holders.length === 1 && (JSON.parse(lockFile) as { pid?: number } | null)?.pid !== holders[0]) others.push(`lock file holds ${lockFile}`);
  return { holders, lockedMessages, others };
}

describe('the profile writer lock', () => {
  it(`${TRIALS} trials of ${CONTENDERS} processes racing on a stale lock and on no lock: exactly one holder, the others told its pid`, async () => {
    const root = tempDir();
    const failures: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      for (const stale of [true, false]) {
        const dir = join(root, `${trial}-${stale ? 'stale' : 'free'}`);
        mkdirSync(dir);
        // The legacy record format, as a crashed writer of an older version leaves it.
        if (stale) writeFileSync(join(dir, '.memr1.lock'), JSON.stringify({ pid: deadPid, host: hostname(), since: 'x' }));
        const { holders, lockedMessages, others } = await race(dir);
        const told = lockedMessages.every((m) => m.includes(`pid ${holders[0]} `));
        if (holders.length !== 1 || lockedMessages.length !== CONTENDERS - 1 || !told || others.length) {
          failures.push(`trial ${trial} (${stale ? 'stale' : 'no'} lock): holders ${holders.join(',') || 'none'}; ${[...lockedMessages, ...others].join(' | ')}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('release leaves a lock that is no longer ours alone', async () => {
    const dir = tempDir();
    const lock = await ProfileLock.acquire(dir);
    const foreign = JSON.stringify({ pid: process.pid, host: hostname(), since: 'now', nonce: 'someone-else' });
    writeFileSync(join(dir, '.memr1.lock'), foreign);
    lock.release();
    expect(readFileSync(join(dir, '.memr1.lock'), 'utf8')).toBe(foreign);
  });

  it('a live holder is never taken over, and a lock left by a takeover that crashed is taken over in turn', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.memr1.lock'), JSON.stringify({ pid: deadPid, host: hostname(), since: 'x', nonce: 'dead' }));
    // A process that began to take over the dead lock and crashed before it finished.
    writeFileSync(join(dir, '.memr1.lock.steal-dead'), JSON.stringify({ pid: deadPid, host: hostname(), since: 'x', nonce: 'dead-stealer' }));
    const lock = await ProfileLock.acquire(dir);
    expect(JSON.parse(readFileSync(join(dir, '.memr1.lock'), 'utf8'))).toMatchObject({ pid: process.pid, nonce: lock.owner.nonce });
    await expect(ProfileLock.acquire(dir)).rejects.toMatchObject({ code: 'PROFILE_LOCKED' });
    lock.release();
  });
});
