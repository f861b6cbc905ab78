import type * as lancedb from '@lancedb/lancedb';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { Fact, OperationRecord, OpKind, OpStatus } from './records.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { sqlString } from './validate.js';

type Row = Record<string, unknown>;

export interface OperationFilter {
  status?: OpStatus;
  turn_id?: string;
  scope?: string;
}

/**
 * The `operations` table: an append-only log of every memory change. An entry
 * is appended as `pending` before the memory table changes and switched to its
 * final status after, so a crash between the two is visible and repairable.
 */
export class Journal {
  private nextSeq: number;

  private constructor(
    private readonly table: lancedb.Table,
    lastSeq: number,
  ) {
    this.nextSeq = lastSeq + 1;
  }

  static async open(table: lancedb.Table): Promise<Journal> {
    const last = await table.query().select(['seq']).orderBy({ columnName: 'seq', ascending: false }).limit(1).toArray();
    return new Journal(table, last[0] ? Number((last[0] as Row).seq) : 0);
  }

  /** Assigns sequence numbers and appends the entries as one commit. */
  async append(entries: ReadonlyArray<Omit<OperationRecord, 'seq'>>): Promise<OperationRecord[]> {
    const records = entries.map((entry) => ({ ...entry, seq: this.nextSeq++ }));
    if (records.length) await this.table.add(records.map(toRow));
    return records;
  }

  async setStatus(opIds: readonly string[], status: OpStatus): Promise<void> {
    if (!opIds.length) return;
    await this.table.update({ where: `op_id IN (${opIds.map(sqlString).join(', ')})`, values: { status } });
  }

  async get(opId: string): Promise<OperationRecord | undefined> {
    const rows = await this.table.query().where(`op_id = ${sqlString(opId)}`).limit(1).toArray();
    return rows[0] ? toOperation(rows[0] as Row) : undefined;
  }

  /** Every operation on one memory, oldest first. */
  async history(memoryId: string): Promise<OperationRecord[]> {
    return this.select(`memory_id = ${sqlString(memoryId)}`);
  }

  async withStatus(status: OpStatus): Promise<OperationRecord[]> {
    return this.select(`status = ${sqlString(status)}`);
  }

  /** The newest operations first, optionally only those with a status or of one chat turn. */
  async recent(limit: number, offset = 0, filter: OperationFilter = {}): Promise<OperationRecord[]> {
    const conditions = [
      ...(filter.status ? [`status = ${sqlString(filter.status)}`] : []),
      ...(filter.turn_id ? [`turn_id = ${sqlString(filter.turn_id)}`] : []),
      ...(filter.scope ? [`scope = ${sqlString(filter.scope)}`] : []),
    ];
    const query = conditions.length ? this.table.query().where(conditions.join(' AND ')) : this.table.query();
    const rows = await query.orderBy({ columnName: 'seq', ascending: false }).offset(offset).limit(limit).toArray();
    return rows.map((row) => toOperation(row as Row));
  }

  /**
   * Per memory, its newest operation that took effect (NOOPs record no
   * change): its `after` is what the memory table must hold. Reads the whole
   * journal; for restores only.
   */
  async lastEffects(): Promise<Map<string, OperationRecord>> {
    const latest = new Map<string, OperationRecord>();
    for (const op of await this.select(`kind != 'NOOP' AND status != 'pending' AND memory_id IS NOT NULL`)) latest.set(op.memory_id!, op);
    return latest;
  }

  private async select(where: string): Promise<OperationRecord[]> {
    const rows = await this.table.query().where(where).orderBy({ columnName: 'seq', ascending: true }).toArray();
    return rows.map((row) => toOperation(row as Row));
  }
}

function toRow(op: OperationRecord): Row {
  return {
    ...op,
    before: encodeSnapshot(op.before),
    after: encodeSnapshot(op.after),
    fact: op.fact ? JSON.stringify(op.fact) : null,
  };
}

const nullableString = (value: unknown): string | null => (value == null ? null : String(value));

function toOperation(row: Row): OperationRecord {
  return {
    op_id: String(row.op_id),
    seq: Number(row.seq),
    at: String(row.at),
    kind: String(row.kind) as OpKind,
    memory_id: nullableString(row.memory_id),
    before: decodeSnapshot(nullableString(row.before)),
    after: decodeSnapshot(nullableString(row.after)),
    fact: row.fact == null ? null : (JSON.parse(String(row.fact)) as Fact),
    origin: String(row.origin),
    status: String(row.status) as OpStatus,
    turn_id: nullableString(row.turn_id),
    undoes: nullableString(row.undoes),
    scope: row.scope == null ? DEFAULT_SCOPE : String(row.scope),
  };
}
