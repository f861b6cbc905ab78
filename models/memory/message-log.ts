import type * as lancedb from '@lancedb/lancedb';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Appender } from './appender.js';
import type { Maintenance } from './maintenance.js';
import { parseInput, sqlString } from './validate.js';

export const MessageInput = z.object({
  session_id: z.string().min(1).max(100),
  turn_id: z.string().min(1).max(100),
  role: z.enum(['user', 'assistant']),
  text: z.string().max(100_000).refine((s) => s.isWellFormed(), 'message contains a lone UTF-16 surrogate'),
});
export type MessageInput = z.input<typeof MessageInput>;
export type MessageRecord = z.output<typeof MessageInput> & { id: string; at: string };

/** The chat history (`messages` table): what memories' `sources` point at. */
export class MessageLog {
  private readonly appender: Appender;

  /** `maintenance`: where a failed compaction is reported (the store's `maintenance`). */
  constructor(
    private readonly table: lancedb.Table,
    maintenance?: Maintenance,
  ) {
    this.appender = new Appender(table, maintenance);
  }

  async append(input: MessageInput): Promise<MessageRecord> {
    const record: MessageRecord = { ...parseInput(MessageInput, input), id: randomUUID(), at: new Date().toISOString() };
    await this.appender.append([record]);
    return record;
  }

  /** The session of the newest message; undefined before the first one. */
  async latestSessionId(): Promise<string | undefined> {
    const rows = await this.table.query().select(['session_id', 'at']).orderBy({ columnName: 'at', ascending: false }).limit(1).toArray();
    return rows[0] ? String((rows[0] as MessageRecord).session_id) : undefined;
  }

  /** One message by id, or undefined. */
  async get(id: string): Promise<MessageRecord | undefined> {
    const [row] = (await this.table.query().where(`id = ${sqlString(id)}`).limit(1).toArray()) as MessageRecord[];
    return row && toRecord(row);
  }

  /**
   * Every session with its first user message, its last message's time and
   * its size; with `contains`, only sessions with a message holding that text
   * (case-insensitive). Reads two small columns of every message: a desktop
   * user's history, not a server's.
   */
  async sessionSummaries(contains?: string): Promise<Array<{ session_id: string; first_user_text: string; updated_at: string; messages: number }>> {
    const needle = contains?.toLowerCase();
    const rows = (await this.table.query().select(['session_id', 'role', 'text', 'at']).toArray()) as MessageRecord[];
    rows.sort((a, b) => String(a.at).localeCompare(String(b.at)));
    const summaries = new Map<string, { session_id: string; first_user_text: string; updated_at: string; messages: number; matches: boolean }>();
    for (const row of rows) {
      const id = String(row.session_id);
      const summary = summaries.get(id) ?? { session_id: id, first_user_text: '', updated_at: String(row.at), messages: 0, matches: needle === undefined };
      if (!summary.first_user_text && row.role === 'user') summary.first_user_text = String(row.text);
      summary.updated_at = String(row.at);
      summary.messages += 1;
      if (needle !== undefined && String(row.text).toLowerCase().includes(needle)) summary.matches = true;
      summaries.set(id, summary);
    }
    return [...summaries.values()].filter((s) => s.matches).map(({ matches: _matches, ...summary }) => summary);
  }

  /** One session's messages in the order they were written. */
  async session(sessionId: string): Promise<MessageRecord[]> {
    const rows = await this.table.query().where(`session_id = ${sqlString(sessionId)}`).orderBy({ columnName: 'at', ascending: true }).toArray();
    return rows.map(toRecord);
  }
}

function toRecord(row: MessageRecord): MessageRecord {
  return { id: String(row.id), session_id: String(row.session_id), turn_id: String(row.turn_id), role: row.role, text: String(row.text), at: String(row.at) };
}
