import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isLocalUri } from './database.js';
import { Maintenance, type MaintenanceState, type MaintenanceWarning, type RestoreRecord } from './maintenance.js';
import { listTableVersions } from './restore.js';

export interface TableHealth {
  table: string;
  /** The version in use (null when even its manifest cannot be read), and whether it reads (manifest and data files). */
  version: number | null;
  readable: boolean;
  /** Versions LanceDB keeps on disk (what `memr1 memory restore` can roll back to). */
  versions_kept: number;
  /** Why the versions could not be listed (a damaged older manifest: it also stops compaction), else null. */
  problem: string | null;
}

/** What `memr1 doctor` and the Settings screen show about a profile's memory database. */
export interface StoreHealth {
  uri: string;
  status: 'ok' | 'damaged' | 'missing';
  tables: TableHealth[];
  /** Bytes under the database folder (every kept version included); null for an object store. */
  disk_bytes: number | null;
  last_compaction: string | null;
  /** Post-commit work that failed and waits for its retry. */
  warnings: MaintenanceWarning[];
  last_restore: RestoreRecord | null;
}

/**
 * Checks each table's current version the way opening does, without opening
 * the store (which a damaged table would refuse) and without the writer lock
 * (the app may hold it). `maintenance`: the live record of an open store,
 * else the one on disk.
 */
export async function storeHealth(uri: string, maintenance?: MaintenanceState): Promise<StoreHealth> {
  const local = isLocalUri(uri);
  const folder = local ? uri.replace(/^file:\/\//, '') : undefined;
  const record = maintenance ?? Maintenance.load(folder).state;
  const base = { uri, last_compaction: record.last_compaction, warnings: record.warnings, last_restore: record.restores.at(-1) ?? null };
  if (folder !== undefined && !existsSync(join(folder, 'meta.lance'))) return { ...base, status: 'missing', tables: [], disk_bytes: null };
  const tables = (await listTableVersions(uri, 1)).map((t) => ({ table: t.table, version: t.current, readable: t.readable, versions_kept: t.kept, problem: t.problem }));
  return { ...base, status: tables.every((t) => t.readable) ? 'ok' : 'damaged', tables, disk_bytes: folder === undefined ? null : folderBytes(folder) };
}

function folderBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    total += entry.isDirectory() ? folderBytes(child) : entry.isFile() ? statSync(child).size : 0;
  }
  return total;
}
