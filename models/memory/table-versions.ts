import type * as lancedb from '@lancedb/lancedb';
import { MemoryError, reasonOf } from './errors.js';
import { openSettingDamagedManifestsAside } from './manifest-quarantine.js';
import { TABLES } from './schema.js';

/**
 * Per table, its smallest column: reading it touches every data file of the
 * current version (each file's footer and that column's pages) without
 * scanning the rest, so a truncated or missing file is found at open.
 */
const PROBE_COLUMN: Record<string, string> = {
  [TABLES.memories]: 'version',
  [TABLES.operations]: 'seq',
  [TABLES.messages]: 'role',
  [TABLES.feedback]: 'value',
  [TABLES.episodes]: 'log_prob',
  [TABLES.meta]: 'key',
};

/** Throws (LanceDB's error) unless the table's checked-out version can be read: its manifest and every data file. */
export async function verifyTable(table: lancedb.Table): Promise<void> {
  const column = PROBE_COLUMN[table.name];
  await table.countRows(); // the manifest and the fragment list
  if (column) await table.query().select([column]).toArrow();
}

export interface VersionView {
  version: number;
  at: string;
  readable: boolean;
}

export interface TableVersions {
  table: string;
  /** The version in use; null when the table cannot be opened at all (its newest manifest is damaged). */
  current: number | null;
  readable: boolean;
  /** How many versions LanceDB keeps (older ones are removed by cleanup). */
  kept: number;
  /** The newest versions, newest first, each checked. */
  recent: VersionView[];
  /** Why the versions could not be listed (a damaged older manifest), else null; `kept` is then 0. */
  problem: string | null;
}

/** Reads a table's versions, newest first, checking the newest `check` of them (a checkout and `verifyTable` each). */
export async function tableVersions(table: lancedb.Table, check = 10): Promise<TableVersions> {
  let problem: string | null = null;
  // Listing reads every kept manifest: one damaged older manifest must not hide the rest of the report.
  const versions = (await table.listVersions().catch((error: unknown) => ((problem = reasonOf(error)), []))).sort((a, b) => b.version - a.version);
  const current = await table.version();
  const recent: VersionView[] = [];
  for (const v of versions.slice(0, check)) recent.push({ version: v.version, at: new Date(v.timestamp).toISOString(), readable: await readableAt(table, v.version) });
  await table.checkoutLatest();
  const readable = recent.find((v) => v.version === current)?.readable ?? (await readableAt(table, current));
  return { table: table.name, current, readable, kept: versions.length, recent, problem };
}

export interface RollBack {
  table: string;
  from: number;
  to: number;
  /** Rows in the version left behind and in the version restored (from the manifests: no data read). */
  rowsBefore: number;
  rowsAfter: number;
}

/**
 * Makes `to` (default: the newest readable version) the table's current
 * version through LanceDB's own `checkout` + `restore`, which commits it as a
 * new version: the damaged one stays on disk, nothing is deleted. Returns
 * nothing when the table reads and no version was asked for.
 */
export async function rollBack(table: lancedb.Table, to?: number): Promise<RollBack | undefined> {
  const from = await table.version();
  if (to === undefined && (await readableAt(table, from))) return undefined;
  const target = to ?? (await newestReadable(table, from));
  if (target === undefined) {
    throw new MemoryError('DATABASE_CORRUPT', `no version of table ${table.name} can be read; restore the profile folder from a backup, or import an export into a new profile`);
  }
  if (!(await table.listVersions()).some((v) => v.version === target)) {
    throw new MemoryError('NOT_FOUND', `table ${table.name} has no version ${target}; \`memr1 memory restore --list\` shows the versions kept`);
  }
  const rowsBefore = await table.countRows().catch(() => NaN);
  await table.checkout(target);
  try {
    await verifyTable(table);
  } catch (error) {
    await table.checkoutLatest();
    throw new MemoryError('DATABASE_CORRUPT', `version ${target} of table ${table.name} cannot be read either; choose another with \`memr1 memory restore --list\``, { cause: error });
  }
  const rowsAfter = await table.countRows();
  await table.restore();
  return { table: table.name, from, to: target, rowsBefore, rowsAfter };
}

/**
 * Rolls back every table whose current version cannot be read to its newest
 * readable one; with `to`, rolls back `table` (default `memories`) to that
 * version whether or not it reads.
 */
export async function rollBackTables(connection: lancedb.Connection, folder: string | undefined, request: { table?: string; to?: number } = {}): Promise<RollBack[]> {
  const names = await connection.tableNames();
  if (request.table !== undefined && !names.includes(request.table)) {
    throw new MemoryError('NOT_FOUND', `no table ${request.table} in this database; its tables are ${names.join(', ')}`);
  }
  const chosen = request.to === undefined ? undefined : (request.table ?? TABLES.memories);
  const done: RollBack[] = [];
  for (const name of names) {
    // A local table whose newest manifest is damaged opens only once that manifest is set aside.
    const { table, setAside } = folder === undefined ? { table: await connection.openTable(name), setAside: [] } : await openSettingDamagedManifestsAside(connection, folder, name);
    try {
      const result = await rollBack(table, name === chosen ? request.to : undefined);
      if (result) done.push(setAside.length ? { ...result, from: setAside[0]! } : result);
      else if (setAside.length) done.push({ table: name, from: setAside[0]!, to: await table.version(), rowsBefore: NaN, rowsAfter: await table.countRows() });
    } finally {
      table.close();
    }
  }
  return done;
}

async function newestReadable(table: lancedb.Table, below: number): Promise<number | undefined> {
  const older = (await table.listVersions()).map((v) => v.version).filter((v) => v < below).sort((a, b) => b - a);
  for (const version of older) if (await readableAt(table, version)) return version;
  return undefined;
}

/** Checks one version, leaving the handle on the latest one. */
async function readableAt(table: lancedb.Table, version: number): Promise<boolean> {
  try {
    await table.checkout(version);
    await verifyTable(table);
    return true;
  } catch {
    return false;
  } finally {
    await table.checkoutLatest();
  }
}
