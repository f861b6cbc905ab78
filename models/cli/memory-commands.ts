import { type Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { createEmbedder, DEFAULT_EMBEDDER } from '../embed/create-embedder.js';
import { exportJson, exportMarkdown, importJson } from '../memory/export.js';
import { operationView, withoutVector } from '../memory/records.js';
import { MemoryStore, type SearchMode } from '../memory/store.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { describeMemory, describeOperation, printJson, searchView } from './output.js';
import { defaultDatabasePath } from './paths.js';
import { createProgress } from './progress.js';
import { registerRestoreCommand } from './restore-command.js';
import { numberIn } from './numbers.js';

interface GlobalOptions {
  db: string;
  embed: string;
  json?: boolean;
}

/** `create` may make a new database; `write` needs an existing one; `read` opens without the writer lock. */
type Access = 'create' | 'write' | 'read';

/** `memr1 memory …`: the memory store from the command line. */
export function registerMemoryCommands(program: Command): void {
  const memory = program
    .command('memory')
    .description('add, search, list, edit, delete, undo, export, import and restore memories')
    .addOption(new Option('--db <dir>', 'memory database folder or LanceDB URI').default(defaultDatabasePath(), '~/.memr1/profiles/default/memory'))
    .option('--embed <spec>', 'embedder: use-lite | transformers:<folder> | openai:<base-url>#<model>', DEFAULT_EMBEDDER)
    .option('--json', 'print JSON');

  const run = <T>(access: Access, needsEmbedder: boolean, action: (store: MemoryStore, opts: T, global: GlobalOptions) => Promise<void>) =>
    async (opts: T, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const embedder = needsEmbedder ? await createEmbedder(global.embed) : undefined;
      const store = await MemoryStore.open({
        uri: global.db,
        ...(embedder ? { embedder } : {}),
        create: access === 'create',
        readOnly: access === 'read',
      });
      try {
        await action(store, opts, global);
      } finally {
        await store.close();
        await embedder?.dispose();
      }
      // Done and saved; maintenance that failed after it is only worth a warning (the exit code stays 0).
      for (const w of access === 'read' ? [] : store.maintenance.state.warnings) {
        console.error(`memr1: warning: ${w.task} failed (${w.message}); it is retried at the next write or open, and \`memr1 doctor\` reports it`);
      }
    };

  const printOp = (global: GlobalOptions, op: Parameters<typeof operationView>[0]) =>
    global.json ? printJson(operationView(op)) : console.log(describeOperation(op));

  memory
    .command('add')
    .description('add a memory')
    .requiredOption('--text <text>', 'the fact, one sentence')
    .requiredOption('--subject <subject>', 'whom it is about')
    .option('--time <iso>', 'when it happened (ISO 8601)')
    .option('--source <id...>', 'ids of the messages it came from')
    .option('--scope <name>', 'the project or tool it belongs to (default personal)')
    .action(
      run<{ text: string; subject: string; time?: string; source?: string[]; scope?: string }>('create', true, async (store, o, g) => {
        printOp(g, await store.add({ text: o.text, subject: o.subject, event_time: o.time ?? null, sources: o.source ?? [], ...(o.scope !== undefined && { scope: o.scope }) }));
      }),
    );

  memory
    .command('edit')
    .description('change a memory (an UPDATE, undoable)')
    .requiredOption('--id <id>', 'memory id')
    .option('--text <text>')
    .option('--subject <subject>')
    .option('--time <iso>')
    .option('--source <id...>')
    .option('--scope <name>', 'move it to this scope')
    .action(
      run<{ id: string; text?: string; subject?: string; time?: string; source?: string[]; scope?: string }>('write', true, async (store, o, g) => {
        printOp(g, await store.edit(o.id, { text: o.text, subject: o.subject, event_time: o.time, sources: o.source, scope: o.scope }));
      }),
    );

  memory
    .command('delete')
    .description('delete a memory (undoable)')
    .requiredOption('--id <id>', 'memory id')
    .action(run<{ id: string }>('write', false, async (store, o, g) => printOp(g, await store.delete(o.id))));

  memory
    .command('get')
    .description('show one memory')
    .requiredOption('--id <id>', 'memory id')
    .action(
      run<{ id: string }>('read', false, async (store, o, g) => {
        const m = await store.get(o.id);
        if (g.json) printJson(withoutVector(m));
        else console.log(describeMemory(m));
      }),
    );

  memory
    .command('search')
    .description('search memories by meaning (vector), words (text) or both (hybrid)')
    .requiredOption('--query <text>', 'what to look for')
    .option('--k <n>', 'how many results', numberIn('--k', { min: 1, max: 1000, integer: true }), 10)
    .option('--subject <subject>', 'only memories about this subject')
    .option('--from <iso>', 'only memories from this time on')
    .option('--to <iso>', 'only memories up to this time')
    .option('--scope <name>', 'only memories of this scope')
    .addOption(new Option('--mode <mode>', 'search mode').choices(['vector', 'text', 'hybrid']).default('vector'))
    .action(
      run<{ query: string; k: number; subject?: string; from?: string; to?: string; scope?: string; mode: SearchMode }>('read', true, async (store, o, g) => {
        const results = await store.search(o.query, { k: o.k, mode: o.mode, subject: o.subject, from: o.from, to: o.to, scope: o.scope });
        if (g.json) printJson(searchView(results));
        else for (const r of results) console.log(`${r.score.toFixed(3)}  ${describeMemory(r.memory)}`);
      }),
    );

  memory
    .command('list')
    .description('list memories, most recently changed first')
    .option('--offset <n>', 'skip this many', numberIn('--offset', { min: 0, max: 1_000_000_000, integer: true }), 0)
    .option('--limit <n>', 'show this many', numberIn('--limit', { min: 1, max: 1000, integer: true }), 50)
    .option('--subject <subject>')
    .option('--scope <name>', 'only memories of this scope')
    .action(
      run<{ offset: number; limit: number; subject?: string; scope?: string }>('read', false, async (store, o, g) => {
        const page = await store.list({ offset: o.offset, limit: o.limit, subject: o.subject, scope: o.scope });
        if (g.json) printJson({ total: page.total, items: page.items.map(withoutVector) });
        else {
          for (const m of page.items) console.log(describeMemory(m));
          console.log(`(${page.items.length} of ${page.total})`);
        }
      }),
    );

  memory
    .command('history')
    .description("a memory's operations, oldest first")
    .requiredOption('--id <id>', 'memory id')
    .action(
      run<{ id: string }>('read', false, async (store, o, g) => {
        const ops = await store.history(o.id);
        if (g.json) printJson(ops.map(operationView));
        else for (const op of ops) console.log(describeOperation(op));
      }),
    );

  memory
    .command('undo')
    .description('revert an operation, restoring the exact previous record')
    .requiredOption('--op <opId>', 'operation id')
    .action(run<{ op: string }>('write', false, async (store, o, g) => printOp(g, await store.undo(o.op))));

  memory
    .command('export')
    .description('write all memories to a file')
    .addOption(new Option('--format <format>').choices(['json', 'md']).default('json'))
    .requiredOption('--out <file>', 'file to write')
    .action(
      run<{ format: 'json' | 'md'; out: string }>('read', false, async (store, o, g) => {
        const text = o.format === 'json' ? JSON.stringify(await exportJson(store), null, 1) : await exportMarkdown(store);
        await writeFileAtomic(o.out, text);
        const count = await store.count();
        if (g.json) printJson({ out: o.out, format: o.format, memories: count });
        else console.log(`wrote ${count} memories to ${o.out}`);
      }),
    );

  registerRestoreCommand(memory);

  memory
    .command('import')
    .description('add the memories of a JSON export (existing ids are skipped)')
    .requiredOption('--in <file>', 'a file written by `memr1 memory export --format json`')
    .action(
      run<{ in: string }>('create', true, async (store, o, g) => {
        const text = await readFile(o.in, 'utf8');
        let data: unknown;
        try {
          data = JSON.parse(text);
        } catch (error) {
          throw new Error(`${o.in} is not JSON: ${(error as Error).message}`);
        }
        const progress = createProgress();
        const result = await importJson(store, data, (done, total) => progress.update('import', done, total)).finally(progress.stop);
        if (g.json) printJson(result);
        else console.log(`imported ${result.imported}, skipped ${result.skipped.length} already present${result.reembedded ? ' (re-embedded)' : ''}`);
      }),
    );
}
