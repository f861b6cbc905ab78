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
  const row = (key: string, value: string) => `${key.padEnd(16)} ${value}`.trimEnd();
  const damaged = h.tables.filter((t) => !t.readable).map((t) => `${t.table} version ${t.version ?? '(latest)'}`);
  const lines = [
    row('memory database', h.uri),
    row('health', h.status === 'ok' ? 'ok: every table reads' : h.status === 'missing' ? 'missing' : `DAMAGED: ${damaged.join(', ')} cannot be read`),
    row('tables', h.tables.map((t) => `${t.table} v${t.version ?? '?'} (${t.versions_kept} kept)`).join(', ') || '-'),
    ...h.tables.filter((t) => t.problem).map((t) => `  ${t.table}: its versions cannot be listed: ${t.problem}`),
    row('disk used', h.disk_bytes === null ? '(object store)' : `${(h.disk_bytes / 1e6).toFixed(1)} MB`),
    row('last compaction', h.last_compaction ?? 'never'),
    row('warnings', h.warnings.length ? '' : 'none'),
    ...h.warnings.map((w) => `  ${w.task}: failed ${w.failures}× since ${w.since}: ${w.message} (retried at the next write or open)`),
  ];
  const r = h.last_restore;
  if (r) {
    const tables = r.tables.map((t) => `${t.table} ${t.from}→${t.to}`).join(', ');
    lines.push(row('last restore', `${r.at}: ${tables}; ${r.replayed} replayed, ${r.lost_journal_entries ?? '?'} journal entries lost`));
  }
  return lines.join('\n');
}
