import type * as lancedb from '@lancedb/lancedb';
import { Maintenance } from './maintenance.js';

/** Each append is a LanceDB commit with its own data file: compacting every so often keeps reads fast. */
const COMPACT_EVERY = 100;

/**
 * Appends rows to a log table (messages, feedback, episodes) one commit per
 * call, compacting it every 100 appends. The compaction is post-commit work:
 * its failure is a warning in `maintenance` (the store's, when given) and is
 * retried at the next append, never an error of the append that was saved.
 */
export class Appender {
  private appended = 0;

  constructor(
    private readonly table: lancedb.Table,
    private readonly maintenance = Maintenance.load(undefined),
  ) {}

  async append(rows: Array<Record<string, unknown>>): Promise<void> {
    await this.table.add(rows);
    const task = `${this.table.name} compaction`;
    if (++this.appended % COMPACT_EVERY === 0 || this.maintenance.pending(task)) {
      await this.maintenance.run(task, async () => void (await this.table.optimize()));
    }
  }
}
