import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMemr1, type CliResult } from '../helpers/memr1-cli.js';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

function memr1(...args: string[]): Promise<CliResult> {
  return runMemr1(tempDir('memr1-home-'), args);
}

async function json<T>(...args: string[]): Promise<T> {
  const result = await memr1(...args, '--json');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

interface Op {
  op_id: string;
  kind: string;
  memory_id: string;
  after: { text: string; version: number } | null;
  before: { text: string } | null;
}

describe('memr1 memory (the CLI, as a separate process)', () => {
  it('adds, searches, lists, edits, shows history, undoes, deletes', async () => {
    const db = tempDir();
    const cat = await json<Op>('memory', 'add', '--db', db, '--subject', 'user', '--text', 'I adopted a cat named Luna.', '--time', '2024-03-01', '--source', 'D1:1');
    expect(cat).toMatchObject({ kind: 'ADD', after: { text: 'I adopted a cat named Luna.' } });
    expect(cat.op_id).toMatch(/^[0-9a-f-]{36}$/);
    await json<Op>('memory', 'add', '--db', db, '--subject', 'user', '--text', 'I work night shifts as a nurse.');

    const hits = await json<Array<{ id: string; text: string; score: number }>>('memory', 'search', '--db', db, '--query', 'my pet', '--k', '1');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ id: cat.memory_id, text: 'I adopted a cat named Luna.' });
    expect(typeof hits[0]!.score).toBe('number');

    const edit = await json<Op>('memory', 'edit', '--db', db, '--id', cat.memory_id, '--text', 'I adopted two cats, Luna and Sol.');
    expect(edit).toMatchObject({ kind: 'UPDATE', before: { text: 'I adopted a cat named Luna.' }, after: { version: 2 } });

    const history = await json<Op[]>('memory', 'history', '--db', db, '--id', cat.memory_id);
    expect(history.map((op) => op.kind)).toEqual(['ADD', 'UPDATE']);

    const undo = await json<Op & { undoes: string }>('memory', 'undo', '--db', db, '--op', edit.op_id);
    expect(undo.undoes).toBe(edit.op_id);
    const list = await json<{ total: number; items: Array<{ text: string }> }>('memory', 'list', '--db', db);
    expect(list.total).toBe(2);
    expect(list.items.map((m) => m.text)).toContain('I adopted a cat named Luna.');

    const del = await json<Op>('memory', 'delete', '--db', db, '--id', cat.memory_id);
    expect(del).toMatchObject({ kind: 'DELETE', after: null });
    const human = await memr1('memory', 'list', '--db', db);
    expect(human.stdout).toContain('(1 of 1)');
  });

  it('files memories under scopes: add, list and search by scope, move with edit', async () => {
    const db = tempDir();
    const atlas = await json<Op>('memory', 'add', '--db', db, '--subject', 'user', '--text', 'The Atlas deadline is in March.', '--scope', 'Atlas');
    await json<Op>('memory', 'add', '--db', db, '--subject', 'user', '--text', 'I water the plants on Mondays.');
    const inAtlas = await json<{ items: Array<{ text: string; scope: string }> }>('memory', 'list', '--db', db, '--scope', 'Atlas');
    expect(inAtlas.items).toEqual([expect.objectContaining({ text: 'The Atlas deadline is in March.', scope: 'Atlas' })]);
    const personal = await json<Array<{ text: string }>>('memory', 'search', '--db', db, '--query', 'deadline', '--scope', 'personal');
    expect(personal.map((m) => m.text)).toEqual(['I water the plants on Mondays.']);
    await json<Op>('memory', 'edit', '--db', db, '--id', atlas.memory_id, '--scope', 'personal');
    expect((await memr1('memory', 'list', '--db', db, '--scope', 'Atlas')).stdout).toContain('(0 of 0)');
    const refused = await memr1('memory', 'add', '--db', db, '--subject', 'user', '--text', 'x', '--scope', "a'b");
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/scope/);
  });

  it('exports JSON and Markdown and imports the JSON into another database', async () => {
    const db = tempDir();
    const out = tempDir();
    await json<Op>('memory', 'add', '--db', db, '--subject', 'jon', '--text', 'Jon opened a dance studio.');
    await json<Op>('memory', 'add', '--db', db, '--subject', 'gina', '--text', 'Gina started an online clothing store.');
    const jsonFile = join(out, 'memories.json');
    const mdFile = join(out, 'memories.md');
    expect(await json('memory', 'export', '--db', db, '--format', 'json', '--out', jsonFile)).toMatchObject({ memories: 2 });
    await json('memory', 'export', '--db', db, '--format', 'md', '--out', mdFile);
    expect(readFileSync(mdFile, 'utf8')).toMatch(/## gina\n\n- undated: Gina started an online clothing store\./);

    const copy = tempDir();
    expect(await json('memory', 'import', '--db', copy, '--in', jsonFile)).toMatchObject({ imported: 2, skipped: [] });
    const hits = await json<Array<{ text: string }>>('memory', 'search', '--db', copy, '--query', 'dancing', '--k', '1');
    expect(hits[0]!.text).toBe('Jon opened a dance studio.');
  });

  it('fails with a clear message and exit code 2 on bad input, and 1 on an unreadable file', async () => {
    const db = tempDir();
    const empty = await memr1('memory', 'add', '--db', db, '--subject', 'user', '--text', '   ');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/memory text is empty \[INVALID_INPUT\]/);
    const missing = await memr1('memory', 'list', '--db', join(db, 'does-not-exist'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no memory database .* \[DATABASE_MISSING\]/);
    const notJson = join(tempDir(), 'x.json');
    writeFileSync(notJson, '{ nope');
    const bad = await memr1('memory', 'import', '--db', db, '--in', notJson);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not JSON/);
  });

  it('memr1 doctor reports health, versions, disk and compaction; a truncated data file is refused with what to do, and restore repairs it', async () => {
    const db = tempDir();
    await json<Op>('memory', 'add', '--db', db, '--subject', 'jon', '--text', 'Jon opened a dance studio.');
    await json<Op>('memory', 'add', '--db', db, '--subject', 'gina', '--text', 'Gina started an online clothing store.');
    const healthy = await json<{ status: string; tables: Array<{ table: string; versions_kept: number }>; disk_bytes: number; last_compaction: string | null; warnings: unknown[] }>('doctor', '--db', db);
    expect(healthy).toMatchObject({ status: 'ok', warnings: [], last_compaction: expect.any(String) });
    expect(healthy.disk_bytes).toBeGreaterThan(0);
    expect(healthy.tables.find((t) => t.table === 'memories')!.versions_kept).toBeGreaterThan(2);

    const data = join(db, 'memories.lance', 'data');
    const newest = readdirSync(data).sort((a, b) => statSync(join(data, b)).mtimeMs - statSync(join(data, a)).mtimeMs)[0]!;
    truncateSync(join(data, newest), 100);
    const refused = await memr1('memory', 'list', '--db', db);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/table memories: .*memr1 memory restore --db .* \[DATABASE_CORRUPT\]$/)]);
    expect(refused.stderr).not.toMatch(/\.rs:\d+/); // no Rust source locations
    const doctor = await memr1('doctor', '--db', db);
    expect(doctor.code).toBe(2);
    expect(doctor.stdout).toMatch(/health +DAMAGED: memories version \d+ cannot be read/);
    expect((await memr1('memory', 'restore', '--db', db, '--list')).stdout).toMatch(/^memories: version \d+ DAMAGED, \d+ versions kept$/m);

    const restored = await memr1('memory', 'restore', '--db', db);
    expect(restored.code).toBe(0);
    // The newest readable version may predate the second add (its data file was the one cut): the journal brings it back.
    const [, kept] = /^memories: rolled back from version \d+ to \d+ \(2 → ([12]) rows\)\n/.exec(restored.stdout) ?? [];
    const replayed = 2 - Number(kept);
    expect(restored.stdout).toMatch(replayed ? /\nreplayed 1 operation\(s\) from the journal .*: ADD [0-9a-f-]{36}\nlost: nothing\n$/ : /\nno journaled operation needed replaying\nlost: nothing\n$/);
    expect((await json<{ items: Array<{ text: string }> }>('memory', 'list', '--db', db)).items.map((m) => m.text).sort()).toEqual(['Gina started an online clothing store.', 'Jon opened a dance studio.']);
    expect(await json('doctor', '--db', db)).toMatchObject({ status: 'ok', last_restore: { replayed, lost_journal_entries: 0 } });
  });

  it('refuses bad numbers and unknown ids with one line and exit 2', async () => {
    const db = tempDir();
    await json<Op>('memory', 'add', '--db', db, '--subject', 'jon', '--text', 'Jon opened a dance studio.');
    const limit = await memr1('memory', 'list', '--db', db, '--limit', 'x');
    expect(limit).toMatchObject({ code: 2, stdout: '', stderr: 'memr1: --limit must be a whole number from 1 to 1,000, not "x" [INVALID_INPUT]\n' });
    const unknown = await memr1('memory', 'history', '--db', db, '--id', '00000000-0000-4000-8000-000000000000');
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/^memr1: no memory with id 0{8}-.* \[NOT_FOUND\]\n$/);
  });

  it('prints help', async () => {
    const help = await memr1('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/memory \[options\]/);
    expect(help.stdout).toMatch(/bench/);
  });
});
