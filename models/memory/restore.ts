import './lancedb-log.js';
import * as lancedb from '@lancedb/lancedb';
import { existsSync } from 'node:fs';
import { isLocalUri } from './database.js';
import { MemoryError, reasonOf } from './errors.js';
import type { OperationRecord } from './records.js';
import { MemoryStore, type StoreOptions } from './store.js';
import { rollBackTables, tableVersions, type RollBack, type TableVersions } from './table-versions.js';

export interface RestoreRequest {
  /** Roll this table back to `to` (default `memories`); without `to`, every damaged table goes to its newest readable version. */
  table?: string;
  to?: number;
  /** Replay the journal into a rolled-back memory table (default true). */
  replay?: boolean;
}

export interface RestoreReport {
  rolledBack: RollBack[];
  /** The operations that the rollback had undone, applied again from the journal's snapshots (each journaled anew). */
  replayed: OperationRecord[];
  /**
   * Journal entries lost with a rolled-back `operations` table (the memories
   * keep their state, their history loses these); null when the damaged
   * version could not even be counted.
   */
  lostJournalEntries: number | null;
}

/**
 * Rolls damaged tables back through LanceDB's own versions (the damaged
 * version stays on disk), then replays the journal so that no acknowledged
 * operation is lost when the journal still holds it. Takes the profile's
 * writer lock like any writer; recorded in the database's maintenance record.
 */
export async function restoreDatabase(options: Omit<StoreOptions, 'beforeChecks' | 'readOnly' | 'create'>, request: RestoreRequest = {}): Promise<RestoreReport> {
  let rolledBack: RollBack[] = [];
  const folder = isLocalUri(options.uri) ? options.uri.replace(/^file:\/\//, '') : undefined;
  const beforeChecks = async (connection: lancedb.Connection) => void (rolledBack = await rollBackTables(connection, folder, request));
  const store = await MemoryStore.open({ ...options, create: false, beforeChecks });
  try {
    const journalBack = rolledBack.find((r) => r.table === 'operations');
    // A memory table newer than a rolled-back journal is the truth: replaying the older journal would undo its newer changes.
    const replay = request.replay !== false && !journalBack && rolledBack.some((r) => r.table === 'memories');
    const replayed = replay ? await store.replayJournal() : [];
    const lostJournalEntries = !journalBack ? 0 : Number.isNaN(journalBack.rowsBefore) ? null : Math.max(0, journalBack.rowsBefore - journalBack.rowsAfter);
    if (rolledBack.length) {
      await store.maintenance.recordRestore({
        at: new Date().toISOString(),
        tables: rolledBack.map(({ table, from, to }) => ({ table, from, to })),
        replayed: replayed.length,
        lost_journal_entries: lostJournalEntries,
      });
    }
    return { rolledBack, replayed, lostJournalEntries };
  } finally {
    await store.close();
  }
}

/**
 * Every table's versions and whether they read (the newest `check` of each),
 * without the writer lock and without opening the store (which a damaged
 * table would refuse).
 */
export async function listTableVersions(uri: string, check = 10, storageOptions?: Record<string, string>): Promise<TableVersions[]> {
  const folder = uri.replace(/^file:\/\//, '');
  if (isLocalUri(uri) && !existsSync(folder)) throw new MemoryError('DATABASE_MISSING', `no memory database at ${folder}: the folder does not exist`);
  const connection = await lancedb.connect(uri, storageOptions ? { storageOptions } : {});
  try {
    const result: TableVersions[] = [];
    for (const name of await connection.tableNames()) {
      let table: lancedb.Table;
      try {
        table = await connection.openTable(name);
      } catch (error) {
        // Its newest manifest cannot be read: `restore` sets it aside to reach the older versions.
        result.push({ table: name, current: null, readable: false, kept: 0, recent: [], problem: reasonOf(error) });
        continue;
      }
      try {
        result.push(await tableVersions(table, check));
      } finally {
        table.close();
      }
    }
    return result;
  } finally {
    connection.close();
  }
}
