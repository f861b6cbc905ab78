import type * as lancedb from '@lancedb/lancedb';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Appender } from './appender.js';
import type { Maintenance } from './maintenance.js';
import { purgeTable } from './purge-table.js';
import { parseInput, sqlString } from './validate.js';

/** The user's signals that the RL updater turns into rewards (DESIGN §5). */
export const FEEDBACK_KINDS = ['op_accepted', 'op_rejected', 'op_edited', 'answer_up', 'answer_down', 'answer_corrected'] as const;

export const FeedbackInput = z.object({
  kind: z.enum(FEEDBACK_KINDS),
  /** The operation or the assistant message the signal is about. */
  target_id: z.string().min(1).max(100),
  /** The reward: +1 accepted / thumbs up, -1 rejected / thumbs down, 0 edited. */
  value: z.number().finite().min(-1).max(1),
  /** Extra data, such as the user's edit or corrected answer. */
  payload: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type FeedbackInput = z.input<typeof FeedbackInput>;
export type FeedbackRecord = z.output<typeof FeedbackInput> & { id: string; at: string };

/** The `feedback` table: append-only. */
export class FeedbackLog {
  private readonly appender: Appender;

  /** `maintenance`: where a failed compaction is reported (the store's `maintenance`). */
  constructor(
    private readonly table: lancedb.Table,
    maintenance?: Maintenance,
  ) {
    this.appender = new Appender(table, maintenance);
  }

  async record(input: FeedbackInput): Promise<FeedbackRecord> {
    const record: FeedbackRecord = { ...parseInput(FeedbackInput, input), id: randomUUID(), at: new Date().toISOString() };
    await this.appender.append([{ ...record, payload: record.payload === null ? null : JSON.stringify(record.payload) }]);
    return record;
  }

  /** How many signals are stored; with `since` (ISO), only those recorded after it. */
  count(since?: string): Promise<number> {
    return this.table.countRows(since === undefined ? undefined : `at > ${sqlString(since)}`);
  }

  /** Deletes every signal, old table versions included (the user's "delete my learning data"). */
  purge(): Promise<number> {
    return purgeTable(this.table);
  }

  async all(): Promise<FeedbackRecord[]> {
    const rows = await this.table.query().orderBy({ columnName: 'at', ascending: true }).toArray();
    return rows.map((row: Record<string, unknown>) => ({
      id: String(row.id),
      at: String(row.at),
      kind: String(row.kind) as FeedbackRecord['kind'],
      target_id: String(row.target_id),
      value: Number(row.value),
      payload: row.payload == null ? null : (JSON.parse(String(row.payload)) as Record<string, unknown>),
    }));
  }
}
