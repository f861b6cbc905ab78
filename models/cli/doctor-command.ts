import { type Command, Option } from 'commander';
import { MemoryError } from '../memory/errors.js';
import { storeHealth, type StoreHealth } from '../memory/health.js';
import { printJson } from './output.js';
import { defaultDatabasePath } from './paths.js';

/** `memr1 doctor`: the memory database's health, versions, disk use, compaction and pending warnings. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description("the memory database's health: tables readable, versions kept, disk used, last compaction, post-commit warnings")
    .addOption(new Option('--db <dir>', 'memory database folder or LanceDB URI').default(defaultDatabasePath(), '~/.memr1/profiles/default/memory'))
    .option('--json', 'print JSON')
    .action(async (opts: { db: string; json?: boolean }) => {
      const health = await storeHealth(opts.db);
      if (opts.json) printJson(health);
      else console.log(describeHealth(health));
      // A damaged or missing database is a refusal (exit 2), after the report says why.
      if (health.status === 'damaged') {
        throw new MemoryError('DATABASE_CORRUPT', `a table cannot be read; \`memr1 memory restore --db ${opts.db}\` rolls it back to its newest readable version`);
      }
      if (health.status === 'missing') throw new MemoryError('DATABASE_MISSING', `no memory database at ${opts.db}`);
    });
}

function describeHealth(h: StoreHealth): string {
  const rows: Array<[string, string]> = [
    ['memory database', h.uri],
    ['health', h.status === 'ok' ? 'ok: every table reads' : h.status === 'missing' ? 'missing' : `DAMAGED: ${h.tables.filter((t) => !t.readable).map((t) => `${t.table} version ${t.version}`).join(', ')} cannot be read`],
    ['tables', h.tables.map((t) => `${t.table} v${t.version} (${t.versions_kept} kept)`).join(', ') || '-'],
    ['disk used', h.disk_bytes === null ? '(object store)' : `${(h.disk_bytes / 1e6).toFixed(1)} MB`],
    ['last compaction', h.last_compaction ?? 'never'],
    ['warnings', h.warnings.length ? '' : 'none'],
  ];
  const lines = rows.map(([k, v]) => `${k.padEnd(16)} ${v}`.trimEnd());
  for (const w of h.warnings) lines.push(`  ${w.task}: failed ${w.failures}× since ${w.since}: ${w.message} (retried at the next write or open)`);
  if (h.last_restore) {
    const r = h.last_restore;
    lines.push(`${'last restore'.padEnd(16)} ${r.at}: ${r.tables.map((t) => `${t.table} ${t.from}→${t.to}`).join(', ')}; ${r.replayed} replayed, ${r.lost_journal_entries ?? '?'} journal entries lost`);
  }
  return lines.join('\n');
}
