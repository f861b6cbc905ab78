import type * as lancedb from '@lancedb/lancedb';
import { Maintenance } from './maintenance.js';

/** Each commit has its own data file: compacting every so many commits keeps reads fast. */
const COMPACT_EVERY = 100;

/** Rows waiting for the next commit, with who waits for it. */
interface Waiting {
  rows: Array<Record<string, unknown>>;
  settle: (error?: unknown) => void;
}

/**
 * Appends rows to a log table (messages, feedback, episodes). Appends that
 * arrive while a commit is being written go together into the next one (a
 * group commit): twenty chats starting at once write their messages in one or
 * two LanceDB commits, not twenty that queue in LanceDB's runtime with the
 * searches those chats wait for. Each append resolves once its rows are
 * committed; when a group's commit fails, its appends are committed one by
 * one, so an append fails (and nothing of it is kept) only for its own rows.
 * The table is compacted every 100 commits; that is post-commit work: its
 * failure is a warning in `maintenance` (the store's, when given) and is
 * retried after the next commit, never an error of the append that was saved.
 */
export class Appender {
  private commits = 0;
  private waiting: Waiting[] = [];
  private writing = false;

  constructor(
    private readonly table: lancedb.Table,
    private readonly maintenance = Maintenance.load(undefined),
  ) {}

  append(rows: Array<Record<string, unknown>>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ rows, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) void this.writeWaiting();
    });
  }

  /** Commits everything waiting, then whatever arrived meanwhile, until nothing waits. */
  private async writeWaiting(): Promise<void> {
    this.writing = true;
    while (this.waiting.length) {
      const group = this.waiting;
      this.waiting = [];
      const failed = await this.commit(group);
      const task = `${this.table.name} compaction`;
      if (++this.commits % COMPACT_EVERY === 0 || this.maintenance.pending(task)) {
        await this.maintenance.run(task, async () => void (await this.table.optimize()));
      }
      group.forEach((waiting, i) => waiting.settle(failed[i]));
    }
    this.writing = false;
  }

  /**
   * One commit for the group; when it fails, one commit per append, so an append fails only for its own rows.
   * The error of each append that failed, by position (undefined where committed).
   */
  private async commit(group: readonly Waiting[]): Promise<unknown[]> {
    try {
      await this.table.add(group.flatMap((waiting) => waiting.rows));
      return group.map(() => undefined);
    } catch (error) {
      if (group.length === 1) return [error];
      const failed: unknown[] = [];
      for (const waiting of group) failed.push(await this.table.add(waiting.rows).then(() => undefined, (alone: unknown) => alone ?? new Error('append failed')));
      return failed;
    }
  }
}
