import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { ScoredMemory } from '../memory/memory-table.js';
import { withoutVector, type MemoryRecord, type MemoryView, type OperationRecord, type OperationView } from '../memory/records.js';

export function searchView(results: readonly ScoredMemory[]): Array<MemoryView & { score: number }> {
  return results.map(({ memory, score }) => ({ ...withoutVector(memory), score }));
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function describeMemory(m: MemoryRecord | MemoryView): string {
  const when = m.event_time ? `${m.event_time.slice(0, 10)}: ` : '';
  const scope = m.scope === DEFAULT_SCOPE ? '' : ` (${m.scope})`;
  return `${m.id}  [${m.subject}]${scope} ${when}${m.text}`;
}

export function describeOperation(op: OperationRecord | OperationView): string {
  const text = op.after?.text ?? op.before?.text ?? '';
  const undoes = op.undoes ? ` (undoes ${op.undoes})` : '';
  return `${op.kind.padEnd(6)} ${op.status.padEnd(8)} op ${op.op_id}  memory ${op.memory_id ?? '-'}  ${op.at}  ${op.origin}${undoes}\n       ${text}`;
}
