import type { Command } from 'commander';
import { operationView } from '../memory/records.js';
import { listTableVersions, restoreDatabase, type RestoreReport } from '../memory/restore.js';
import type { TableVersions } from '../memory/table-versions.js';
import { numberIn } from './numbers.js';
import { printJson } from './output.js';

/** `memr1 memory restore`: roll damaged tables back through LanceDB's versions and replay the journal. */
export function registerRestoreCommand(memory: Command): void {
  memory
    .command('restore')
    .description("roll damaged tables back to their newest readable version (LanceDB's own versions), replaying the journal")
    .option('--list', 'only show each table\'s versions and whether they read')
    .option('--to <version>', 'roll --table back to this version, damaged or not', numberIn('--to', { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true }))
    .option('--table <name>', 'the table --to applies to', 'memories')
    .option('--no-replay', 'leave a rolled-back memory table as that version was (do not apply later journaled operations)')
    .action(async (opts: { list?: boolean; to?: number; table: string; replay: boolean }, command: Command) => {
      const global = command.optsWithGlobals<{ db: string; json?: boolean }>();
      if (opts.list) {
        const tables = await listTableVersions(global.db);
        if (global.json) printJson(tables);
        else console.log(tables.map(describeVersions).join('\n'));
        return;
      }
      const report = await restoreDatabase({ uri: global.db }, { ...(opts.to !== undefined ? { table: opts.table, to: opts.to } : {}), replay: opts.replay });
      if (global.json) printJson({ ...report, replayed: report.replayed.map(operationView) });
      else console.log(describeRestore(report));
    });
}

function describeVersions(t: TableVersions): string {
  const head = `${t.table}: version ${t.current ?? '(latest: its manifest cannot be read)'} ${t.readable ? 'reads' : 'DAMAGED'}, ${t.kept} versions kept${t.problem ? ` (${t.problem})` : ''}`;
  return [head, ...t.recent.map((v) => `  ${String(v.version).padStart(6)}  ${v.at}  ${v.readable ? 'readable' : 'unreadable'}`)].join('\n');
}

function describeRestore(report: RestoreReport): string {
  if (!report.rolledBack.length) return "every table's current version reads: nothing to restore (--to <version> rolls back anyway)";
  const lines = report.rolledBack.map((r) => `${r.table}: rolled back from version ${r.from} to ${r.to} (${Number.isNaN(r.rowsBefore) ? '?' : r.rowsBefore} → ${r.rowsAfter} rows)`);
  lines.push(
    report.replayed.length
      ? `replayed ${report.replayed.length} operation(s) from the journal (journaled again, origin "restore"): ${report.replayed.map((op) => `${op.kind} ${op.memory_id}`).join(', ')}`
      : 'no journaled operation needed replaying',
  );
  const lost = report.lostJournalEntries;
  lines.push(
    lost === 0
      ? 'lost: nothing'
      : `lost: ${lost ?? 'an unknown number of'} journal entries (the memories keep their state; their history and undo lose these operations)`,
  );
  return lines.join('\n');
}
