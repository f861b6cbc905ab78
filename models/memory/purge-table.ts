import type * as lancedb from '@lancedb/lancedb';

/**
 * Deletes every row of a table and then its older versions, so the deleted
 * rows leave the disk too (LanceDB keeps each version's files until they are
 * cleaned up; a plain delete would leave the data readable in them). Returns
 * how many rows were deleted.
 */
export async function purgeTable(table: lancedb.Table): Promise<number> {
  const rows = await table.countRows();
  if (rows === 0) return 0;
  await table.delete('true');
  await table.optimize({ cleanupOlderThan: new Date() });
  return rows;
}
