import type * as lancedb from '@lancedb/lancedb';
import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { z } from 'zod';
import { Appender } from './appender.js';
import type { Maintenance } from './maintenance.js';
import { purgeTable } from './purge-table.js';
import { parseInput, sqlString } from './validate.js';

export const EPISODE_AGENTS = ['manager', 'answer'] as const;
/** Rows read and converted between yields to the event loop (a few ms of work with 60 candidates each). */
const BATCH_ROWS = 25;
export type EpisodeAgent = (typeof EPISODE_AGENTS)[number];

const offered = z.array(z.object({ id: z.string(), text: z.string() }));
/** The manager's episode: the fact, and the related memories its UPDATE(i) / DELETE(i) actions point at, best first. */
export const ManagerEpisodeContext = z.object({ fact: z.string(), related: offered });
/** The answer agent's episode: the question, and the candidates its keep mask refers to, in order. */
export const AnswerEpisodeContext = z.object({ question: z.string(), candidates: offered });
export type ManagerEpisodeContext = z.infer<typeof ManagerEpisodeContext>;
export type AnswerEpisodeContext = z.infer<typeof AnswerEpisodeContext>;

const floats = z.custom<Float32Array>((value) => value instanceof Float32Array, 'expected a Float32Array');
const common = {
  /** The operation (manager) or the assistant message (answer) the user's feedback will name. */
  target_id: z.string().min(1).max(100),
  turn_id: z.string().min(1).max(100).nullable().default(null),
  policy_version: z.string().min(1).max(100),
  /** The state as the policy saw it: one feature row per action (manager) or candidate (answer), row-major. */
  features: floats,
  /** The prior logit of each row. */
  prior: floats,
  /** The PPO critic's input. */
  state_features: floats,
  /** The manager's action index ([i]), or the answer agent's keep mask (0/1 per candidate). */
  action: z.array(z.number().int().min(0)),
  /** log π(action | state) under the policy that acted (the behaviour policy). */
  log_prob: z.number().finite(),
};

export const EpisodeInput = z
  .discriminatedUnion('agent', [
    z.object({ agent: z.literal('manager'), context: ManagerEpisodeContext, ...common }),
    z.object({ agent: z.literal('answer'), context: AnswerEpisodeContext, ...common }),
  ])
  .superRefine((e, ctx) => {
    const rows = e.prior.length;
    if (rows === 0 || e.features.length % rows !== 0) ctx.addIssue({ code: 'custom', message: `features (${e.features.length}) are not whole rows for ${rows} prior logits` });
    const fits = e.agent === 'manager' ? e.action.length === 1 && e.action[0]! < rows : e.action.length === rows && e.action.every((a) => a <= 1);
    if (!fits) ctx.addIssue({ code: 'custom', message: `action ${JSON.stringify(e.action).slice(0, 80)} does not fit a state of ${rows} rows` });
  });
export type EpisodeInput = z.input<typeof EpisodeInput>;
export type EpisodeRecord = z.output<typeof EpisodeInput> & { id: string; at: string };

/**
 * The `episodes` table: what each policy saw and did in the app, so the RL
 * updater can replay it against the user's feedback. Append-only; the user
 * can delete it all (`purge`).
 */
export class EpisodeLog {
  private readonly appender: Appender;

  /** `maintenance`: where a failed compaction is reported (the store's `maintenance`). */
  constructor(
    private readonly table: lancedb.Table,
    maintenance?: Maintenance,
  ) {
    this.appender = new Appender(table, maintenance);
  }

  async record(input: EpisodeInput): Promise<EpisodeRecord> {
    const record: EpisodeRecord = { ...parseInput(EpisodeInput, input), id: randomUUID(), at: new Date().toISOString() };
    await this.appender.append([{ ...record, context: JSON.stringify(record.context) }]);
    return record;
  }

  /**
   * Every episode of one agent, oldest first. Read and converted in small
   * batches, yielding to the event loop in between: the updater reads
   * hundreds of them in the process that serves the chat.
   */
  async all(agent: EpisodeAgent): Promise<EpisodeRecord[]> {
    const result = await this.table.query().where(`agent = ${sqlString(agent)}`).toArrow({ maxBatchLength: BATCH_ROWS });
    const records: EpisodeRecord[] = [];
    for (const [i, batch] of result.batches.entries()) {
      if (i > 0) await yieldToEventLoop();
      records.push(...batch.toArray().map(toRecord));
    }
    return records.sort((a, b) => a.at.localeCompare(b.at));
  }

  count(agent: EpisodeAgent): Promise<number> {
    return this.table.countRows(`agent = ${sqlString(agent)}`);
  }

  /** Deletes every episode, old table versions included. */
  purge(): Promise<number> {
    return purgeTable(this.table);
  }
}

/** Arrow list values as plain arrays (copies: a list's values may view a larger buffer). */
const floatsOf = (value: { toArray(): ArrayLike<number> }) => Float32Array.from(value.toArray());

function toRecord(row: Record<string, unknown>): EpisodeRecord {
  const list = (key: string) => row[key] as { toArray(): ArrayLike<number> };
  const base = {
    id: String(row.id),
    at: String(row.at),
    target_id: String(row.target_id),
    turn_id: row.turn_id == null ? null : String(row.turn_id),
    policy_version: String(row.policy_version),
    features: floatsOf(list('features')),
    prior: floatsOf(list('prior')),
    state_features: floatsOf(list('state_features')),
    action: Array.from(list('action').toArray(), Number),
    log_prob: Number(row.log_prob),
  };
  const context: unknown = JSON.parse(String(row.context));
  return row.agent === 'manager'
    ? { ...base, agent: 'manager', context: ManagerEpisodeContext.parse(context) }
    : { ...base, agent: 'answer', context: AnswerEpisodeContext.parse(context) };
}
