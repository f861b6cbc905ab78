import './lancedb-log.js';
import * as lancedb from '@lancedb/lancedb';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import { MemoryError, reasonOf } from './errors.js';
import { sqlString } from './validate.js';
import { ProfileLock } from './profile-lock.js';
import { TEXT_INDEX } from './memory-table.js';
import { verifyTable } from './table-versions.js';
import { TABLES, episodesSchema, feedbackSchema, memoriesSchema, messagesSchema, metaSchema, operationsSchema } from './schema.js';

/** What a database records about itself in its `meta` table. */
export interface DatabaseMeta {
  schema_version: string;
  embedder_id: string;
  dimension: number;
  created_at: string;
}

export interface OpenedDatabase {
  connection: lancedb.Connection;
  /** `episodes` is null only in a read-only open of a profile made before it existed. */
  tables: Record<(typeof DATA_TABLES)[number], lancedb.Table> & { episodes: lancedb.Table | null };
  meta: DatabaseMeta;
  lock: ProfileLock | undefined;
  /** The database's folder when it is local, else undefined (an object store). */
  folder: string | undefined;
}

export interface OpenDatabaseOptions {
  /** A local folder or any LanceDB URI (`s3://bucket/path`, `gs://…`, `az://…`). */
  uri: string;
  /** Needed to create a database: its id and dimension are recorded. */
  embedder?: { id: string; dimension: number } | undefined;
  /** Create the database when it does not exist (default true). */
  create?: boolean;
  /** Open without the writer lock, for reading while another process writes. */
  readOnly?: boolean;
  /** Passed to LanceDB for object stores (credentials, region, endpoint). */
  storageOptions?: Record<string, string>;
  /**
   * Runs with the lock held, before any table is read or checked: the place
   * to roll damaged tables back (`MemoryStore.restore`).
   */
  beforeChecks?: (connection: lancedb.Connection) => Promise<void>;
}

const SCHEMA_VERSION = '1';
const DATA_TABLES = [TABLES.memories, TABLES.operations, TABLES.messages, TABLES.feedback] as const;
/** Tables added after the first release: a writable open creates them in an older profile. */
const ADDED_TABLES = [[TABLES.episodes, episodesSchema]] as const;

export function isLocalUri(uri: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) || uri.startsWith('file://');
}

/**
 * Opens (or creates) one profile's database and checks it: a missing folder, a
 * folder that is not a database, an unreadable table or a different embedder
 * all fail here with a clear error, before anything is written.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenedDatabase> {
  const { uri, create = true, readOnly = false } = options;
  const local = isLocalUri(uri);
  const path = uri.replace(/^file:\/\//, '');
  if (local) checkLocalFolder(path, create && !readOnly);
  const lock = local && !readOnly ? await ProfileLock.acquire(path) : undefined;
  try {
    const connection = await lancedb.connect(uri, options.storageOptions ? { storageOptions: options.storageOptions } : {});
    await options.beforeChecks?.(connection);
    const names = new Set(await connection.tableNames());
    if (!names.has(TABLES.meta)) {
      if (!create || readOnly) throw new MemoryError('DATABASE_MISSING', `no memory database at ${uri}; create one first (e.g. \`memr1 memory add --db ${uri} …\`)`);
      if (!options.embedder) throw new MemoryError('INVALID_INPUT', `creating a database at ${uri} needs an embedder`);
      await createTables(connection, options.embedder);
    }
    const meta = await readMeta(connection, uri);
    const present = new Set(await connection.tableNames());
    const missing = DATA_TABLES.filter((name) => !present.has(name));
    if (missing.length) {
      throw new MemoryError('DATABASE_CORRUPT', `the memory database at ${uri} lacks the table(s) ${missing.join(', ')}; restore it from an export`);
    }
    if (options.embedder) checkEmbedder(meta, options.embedder, uri);
    // Only once every check passed: a refused open changes nothing.
    if (!readOnly) for (const [name, schema] of ADDED_TABLES) if (!present.has(name)) await connection.createEmptyTable(name, schema, { existOk: true });
    const tables = await openTables(connection, uri, !readOnly || present.has(TABLES.episodes));
    if (!readOnly) await addMissingColumns(tables);
    return { connection, tables, meta, lock, folder: local ? path : undefined };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

function checkLocalFolder(path: string, create: boolean): void {
  if (!existsSync(path)) {
    if (!create) throw new MemoryError('DATABASE_MISSING', `no memory database at ${path}: the folder does not exist`);
    mkdirSync(path, { recursive: true });
    return;
  }
  if (!statSync(path).isDirectory()) throw new MemoryError('NOT_A_DATABASE', `${path} is a file, not a memory database folder`);
  const entries = readdirSync(path).filter((name) => !name.startsWith('.'));
  const ours = entries.some((name) => name === `${TABLES.meta}.lance` || name === `${TABLES.memories}.lance`);
  if (entries.length && !ours) {
    throw new MemoryError('NOT_A_DATABASE', `${path} is not empty and holds no memory database; choose an empty or new folder`);
  }
}

async function createTables(connection: lancedb.Connection, embedder: { id: string; dimension: number }): Promise<void> {
  // `meta` is created last: its presence means every other table exists.
  const schemas = [
    [TABLES.memories, memoriesSchema(embedder.dimension)],
    [TABLES.operations, operationsSchema],
    [TABLES.messages, messagesSchema],
    [TABLES.feedback, feedbackSchema],
    ...ADDED_TABLES,
  ] as const;
  for (const [name, schema] of schemas) await connection.createEmptyTable(name, schema, { existOk: true });
  const memories = await connection.openTable(TABLES.memories);
  await memories.createIndex('text', { config: lancedb.Index.fts(), replace: true, name: TEXT_INDEX });
  const meta: DatabaseMeta = {
    schema_version: SCHEMA_VERSION,
    embedder_id: embedder.id,
    dimension: embedder.dimension,
    created_at: new Date().toISOString(),
  };
  await connection.createTable(
    TABLES.meta,
    Object.entries(meta).map(([key, value]) => ({ key, value: String(value) })),
    { schema: metaSchema, existOk: true },
  );
}

async function readMeta(connection: lancedb.Connection, uri: string): Promise<DatabaseMeta> {
  try {
    const rows = await (await connection.openTable(TABLES.meta)).query().toArray();
    const values = new Map(rows.map((row: { key: string; value: string }) => [row.key, row.value]));
    const dimension = Number(values.get('dimension'));
    const embedderId = values.get('embedder_id');
    if (!embedderId || !Number.isInteger(dimension) || dimension <= 0) throw new Error('meta table lacks embedder_id or dimension');
    return {
      schema_version: values.get('schema_version') ?? SCHEMA_VERSION,
      embedder_id: embedderId,
      dimension,
      created_at: values.get('created_at') ?? '',
    };
  } catch (error) {
    throw corrupt(uri, TABLES.meta, error);
  }
}

/**
 * Columns added after the first release, with the value every existing row
 * gets (SQL): a writable open adds them to an older profile, one commit per table.
 * A read-only open leaves the table alone; reads treat the column as its default.
 */
const ADDED_COLUMNS = [
  { table: TABLES.memories, name: 'scope', valueSql: sqlString(DEFAULT_SCOPE) },
  { table: TABLES.operations, name: 'scope', valueSql: sqlString(DEFAULT_SCOPE) },
] as const;

async function addMissingColumns(tables: OpenedDatabase['tables']): Promise<void> {
  for (const table of [TABLES.memories, TABLES.operations] as const) {
    const present = new Set((await tables[table].schema()).fields.map((field) => field.name));
    const missing = ADDED_COLUMNS.filter((column) => column.table === table && !present.has(column.name));
    if (missing.length) await tables[table].addColumns(missing.map(({ name, valueSql }) => ({ name, valueSql })));
  }
}

async function openTables(connection: lancedb.Connection, uri: string, hasEpisodes: boolean): Promise<OpenedDatabase['tables']> {
  const open = async (name: string) => {
    try {
      const table = await connection.openTable(name);
      await verifyTable(table);
      return table;
    } catch (error) {
      throw corrupt(uri, name, error);
    }
  };
  return {
    memories: await open(TABLES.memories),
    operations: await open(TABLES.operations),
    messages: await open(TABLES.messages),
    feedback: await open(TABLES.feedback),
    episodes: hasEpisodes ? await open(TABLES.episodes) : null,
  };
}

function checkEmbedder(meta: DatabaseMeta, embedder: { id: string; dimension: number }, uri: string): void {
  if (meta.dimension !== embedder.dimension) {
    throw new MemoryError(
      'DIMENSION_MISMATCH',
      `the memory database at ${uri} holds ${meta.dimension}-d vectors from ${meta.embedder_id}, but the embedder ${embedder.id} makes ${embedder.dimension}-d vectors; ` +
        `use --embed with the database's embedder, or export and import into a new database to re-embed`,
    );
  }
  if (meta.embedder_id !== embedder.id) {
    throw new MemoryError(
      'EMBEDDER_MISMATCH',
      `the memory database at ${uri} was embedded with ${meta.embedder_id}, not ${embedder.id}; vectors of different models do not compare. ` +
        `Use --embed with the database's embedder, or export and import into a new database to re-embed`,
    );
  }
}

function corrupt(uri: string, table: string, error: unknown): MemoryError {
  if (error instanceof MemoryError) return error;
  const cause = reasonOf(error);
  return new MemoryError(
    'DATABASE_CORRUPT',
    `the memory database at ${uri} cannot be read (table ${table}: ${cause}). Nothing was changed. ` +
      `\`memr1 memory restore --db ${uri} --list\` shows the readable versions, and \`memr1 memory restore --db ${uri}\` rolls back to the newest readable one ` +
      `(journaled operations are replayed); or restore the folder from a backup`,
    { cause: error },
  );
}
