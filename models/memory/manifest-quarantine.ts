import type * as lancedb from '@lancedb/lancedb';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Where damaged manifests are moved, inside the database folder (ignored by the folder checks: it starts with a dot). */
const QUARANTINE = '.memr1-quarantine';
/** At most this many newest versions are set aside before giving up. */
const MAX_SET_ASIDE = 20;
const U64_MAX = 2n ** 64n - 1n;

/**
 * Opens a table whose newest manifest may be unreadable. LanceDB opens a
 * table at its latest version, so a damaged latest manifest hides every older
 * version from `checkout`; moving that manifest aside (into
 * `<db>/.memr1-quarantine/<table>/`, never deleted) makes the version before it
 * the latest, and this repeats until the table opens. Returns the table and
 * the versions set aside, newest first.
 */
export async function openSettingDamagedManifestsAside(connection: lancedb.Connection, folder: string, name: string): Promise<{ table: lancedb.Table; setAside: number[] }> {
  const setAside: number[] = [];
  for (;;) {
    try {
      return { table: await connection.openTable(name), setAside };
    } catch (error) {
      const versions = join(folder, `${name}.lance`, '_versions');
      const newest = manifests(versions)[0];
      if (!newest || setAside.length >= MAX_SET_ASIDE) throw error;
      const target = join(folder, QUARANTINE, name);
      mkdirSync(target, { recursive: true });
      renameSync(join(versions, newest.file), join(target, newest.file));
      // The hint names the version just set aside; without it LanceDB lists the manifests.
      rmSync(join(versions, 'latest_version_hint.json'), { force: true });
      setAside.push(newest.version);
    }
  }
}

/** The manifests of a table, newest first. LanceDB names them by version, or by u64::MAX − version (so newest sorts first). */
function manifests(folder: string): Array<{ file: string; version: number }> {
  const found = readdirSync(folder)
    .filter((file) => file.endsWith('.manifest'))
    .map((file) => {
      const n = BigInt(file.slice(0, -'.manifest'.length));
      return { file, version: Number(n > 2n ** 63n ? U64_MAX - n : n) };
    });
  return found.sort((a, b) => b.version - a.version);
}
