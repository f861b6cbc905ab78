import type * as lancedb from '@lancedb/lancedb';

/** Each append is a LanceDB commit with its own data file: compacting every so often keeps reads fast. */
const COMPACT_EVERY = 100;

/** Appends rows to a log table (messages, feedback, episodes) one commit per call, compacting it every 100 appends. */
export class Appender {
  private appended = 0;

  constructor(private readonly table: lancedb.Table) {}

  async append(rows: Array<Record<string, unknown>>): Promise<void> {
    await this.table.add(rows);
    if (++this.appended % COMPACT_EVERY === 0) await this.table.optimize();
  }
}
