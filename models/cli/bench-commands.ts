import { type Command, Option } from 'commander';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { PERF_SECTIONS, runPerfBench, type PerfReport, type PerfSection } from '../bench/perf.js';
import { DEFAULT_EMBEDDER } from '../embed/create-embedder.js';
import { embedConversations } from '../eval/bank/embedded-conversation.js';
import { formatEvidenceReport } from '../eval/evidence/format-report.js';
import { EVIDENCE_METHODS } from '../eval/evidence/methods.js';
import { parseMethodList, QA_METHODS } from '../eval/qa/qa-methods.js';
import { runEvidenceTrack } from '../eval/evidence/run-evidence-track.js';
import { loadLocomo } from '../eval/locomo/load-locomo.js';
import { splitLocomo } from '../eval/locomo/split.js';
import { formatQaReport } from '../eval/qa/format-qa-report.js';
import { PAPER_BACKBONES, type PaperBackbone } from '../eval/qa/paper-results.js';
import { runQaTrack } from '../eval/qa/run-qa-track.js';
import { createChatModel } from '../llm/create-chat-model.js';
import { actionCensus } from '../train/locomo/action-census.js';
import { formatActionCensus } from './format-action-census.js';
import { defaultModelsDir, defaultProfileDir } from './paths.js';
import { bankBudgetOption, embedCacheOption, locomoEmbedder } from './locomo-options.js';
import { createProgress } from './progress.js';
import { numberIn, numberListIn } from './numbers.js';

/** `memr1 bench …`: benchmarks that print what they measured. */
export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('benchmarks (timings live here, never in tests)');
  registerLocomoBench(bench);
  registerManagerActionsBench(bench);

  bench
    .command('perf')
    .description('retrieval latency at 1k/10k/100k memories, embedding throughput, GRPO update and manager decision times, chat overhead, web-mode cold start, main-loop lag during a learning run')
    .option('--json <file>', 'also write the figures as JSON')
    .option('--only <prefixes>', `measure only the figures starting with these (comma-separated; sections: ${PERF_SECTIONS.join(', ')})`)
    .option('--sizes <list>', 'comma-separated memory counts', numberListIn('--sizes', { min: 1, max: 10_000_000, integer: true }), [1000, 10_000, 100_000])
    .option('--queries <n>', 'queries per size', numberIn('--queries', { min: 1, max: 1_000_000, integer: true }), 200)
    .option('--sentences <n>', 'sentences to embed', numberIn('--sentences', { min: 1, max: 1_000_000, integer: true }), 1000)
    .option('--chat-memories <n>', 'memories in the store for the chat overhead', numberIn('--chat-memories', { min: 0, max: 10_000_000, integer: true }), 10_000)
    .option('--chat-turns <n>', 'chat turns timed', numberIn('--chat-turns', { min: 1, max: 1_000_000, integer: true }), 100)
    .option('--start-runs <n>', 'cold starts of memr1 serve timed', numberIn('--start-runs', { min: 1, max: 1000, integer: true }), 5)
    .option('--llm-generations <n>', 'seeded generations per agent format, with and without the grammar', numberIn('--llm-generations', { min: 1, max: 100_000, integer: true }), 200)
    .action(async (opts: { json?: string; only?: string; sizes: number[]; queries: number; sentences: number; chatMemories: number; chatTurns: number; startRuns: number; llmGenerations: number }) => {
      const progress = createProgress();
      const sizes = opts.sizes;
      const only = opts.only === undefined ? undefined : selectSections(opts.only);
      let report: PerfReport;
      try {
        const counts = { chatMemories: opts.chatMemories, chatTurns: opts.chatTurns, startRuns: opts.startRuns, llmGenerations: opts.llmGenerations };
        report = await runPerfBench({ sizes, queries: opts.queries, k: 60, sentences: opts.sentences, ...counts, ...(only ? { only } : {}), onProgress: progress.update });
      } finally {
        progress.stop();
      }
      console.log(formatPerf(report));
      if (opts.json) {
        await writeFile(opts.json, `${JSON.stringify(report, null, 2)}\n`);
        console.log(`\nwrote ${opts.json}`);
      }
    });
}

function registerLocomoBench(bench: Command): void {
  bench
    .command('locomo')
    .description('LoCoMo with the Memory-R1 split: the evidence track (no LLM) or the QA track (the paper\'s table)')
    .requiredOption('--data <file>', 'path to locomo10.json (read in place, never copied)')
    .addOption(new Option('--track <track>', 'evidence: kept sources vs gold evidence ids (no LLM); qa: answers scored F1 / BLEU-1 / J (needs --llm)').choices(['evidence', 'qa']).default('evidence'))
    .option('--methods <list>', `comma-separated; evidence track: ${EVIDENCE_METHODS.join(', ')} (default rag,heuristic,add-all,topk,supervised); QA track: ${QA_METHODS.join(', ')} (default rag,heuristic,heuristic-60)`)
    .option('--budget <k>', 'evidence track: every method keeps exactly its K best candidates (by its own scores)', numberIn('--budget', { min: 1, max: 60, integer: true }))
    .addOption(bankBudgetOption())
    .option('--llm <spec>', 'QA track: the chat model (onnx:<folder-or-hub-id> | openai:<base-url>#<model>)')
    .option('--judge <spec>', 'QA track: the judge model for J (same forms as --llm)')
    .addOption(new Option('--facts <source>', "QA track: facts from LoCoMo's observations or the LLM's extraction over the turns").choices(['observations', 'extraction']).default('observations'))
    .addOption(new Option('--backbone <name>', "QA track: show the paper's Table 1 rows for this backbone").choices([...PAPER_BACKBONES]))
    .addOption(new Option('--split <split>', 'which questions').choices(['val', 'test']).default('test'))
    .option('--checkpoints <dir>', 'trained policies for ppo/grpo, as <dir>/<algo>/{manager,answer}', join(defaultProfileDir(), 'locomo-checkpoints'))
    .option('--embed <spec>', 'embedder', DEFAULT_EMBEDDER)
    .addOption(embedCacheOption())
    .option('--json <file>', 'also write the results as JSON')
    .action(async (opts: LocomoBenchOptions) => {
      if (opts.track === 'qa' && !opts.llm) throw new Error('the QA track needs a chat model: --llm onnx:<folder-or-hub-id> or --llm openai:<base-url>#<model>');
      const split = splitLocomo(await loadLocomo(opts.data));
      const part = opts.split === 'val' ? split.validation : split.test;
      const progress = createProgress();
      const embedder = await locomoEmbedder(opts.embed, opts.embedCache, progress);
      const modelOptions = { modelsDir: defaultModelsDir() };
      const llm = opts.llm ? await createChatModel(opts.llm, modelOptions) : undefined;
      const judge = opts.judge ? await createChatModel(opts.judge, modelOptions) : undefined;
      try {
        const common = { embedder, checkpoints: opts.checkpoints, onProgress: progress.update };
        const report =
          opts.track === 'qa'
            ? await runQaTrack({
                ...common,
                conversations: part.conversations,
                questions: part.questions,
                methods: parseMethodList(opts.methods ?? 'rag,heuristic,heuristic-60', QA_METHODS),
                llm: llm!,
                facts: opts.facts,
                ...(judge ? { judge } : {}),
                ...(opts.backbone ? { backbone: opts.backbone } : {}),
              })
            : await runEvidenceTrack({
                ...common,
                split,
                part: opts.split === 'val' ? 'validation' : 'test',
                methods: parseMethodList(opts.methods ?? 'rag,heuristic,add-all,topk,supervised', EVIDENCE_METHODS),
                ...(opts.budget === undefined ? {} : { budget: opts.budget }),
                bankBudget: opts.bankBudget,
              });
        progress.stop();
        console.log(report.track === 'qa' ? formatQaReport(report) : formatEvidenceReport(report));
        if (opts.json) {
          await writeFile(opts.json, `${JSON.stringify({ split: opts.split, ...report }, null, 2)}\n`);
          console.log(`\nwrote ${opts.json}`);
        }
      } finally {
        progress.stop();
        await Promise.all([embedder.dispose(), llm?.dispose(), judge?.dispose()]);
      }
    });
}

function registerManagerActionsBench(bench: Command): void {
  bench
    .command('manager-actions')
    .description("LoCoMo: which operation the Memory Manager's training reward prefers at each decision (train and validation conversations only)")
    .requiredOption('--data <file>', 'path to locomo10.json (read in place, never copied)')
    .addOption(new Option('--split <split>', 'which conversations').choices(['train', 'val']).default('train'))
    .addOption(bankBudgetOption())
    .option('--embed <spec>', 'embedder', DEFAULT_EMBEDDER)
    .addOption(embedCacheOption())
    .option('--json <file>', 'also write the counts as JSON')
    .action(async (opts: { data: string; split: 'train' | 'val'; bankBudget: number; embed: string; embedCache: string; json?: string }) => {
      const split = splitLocomo(await loadLocomo(opts.data));
      const part = opts.split === 'val' ? split.validation : split.train;
      const progress = createProgress();
      const embedder = await locomoEmbedder(opts.embed, opts.embedCache, progress);
      try {
        const conversations = await embedConversations(embedder, part.conversations, part.questions);
        progress.stop();
        const census = actionCensus(conversations, opts.bankBudget);
        console.log(formatActionCensus(census));
        if (opts.json) {
          await writeFile(opts.json, `${JSON.stringify({ split: opts.split, bank_budget: opts.bankBudget, conversations: census }, null, 2)}\n`);
          console.log(`\nwrote ${opts.json}`);
        }
      } finally {
        progress.stop();
        await embedder.dispose();
      }
    });
}

interface LocomoBenchOptions {
  data: string;
  track: 'evidence' | 'qa';
  methods?: string;
  budget?: number;
  bankBudget: number;
  split: 'val' | 'test';
  checkpoints: string;
  embed: string;
  embedCache: string;
  llm?: string;
  judge?: string;
  facts: 'observations' | 'extraction';
  backbone?: PaperBackbone;
  json?: string;
}

/** `--only chat,app` or `--only chat.overhead_p95_ms`: the sections a figure prefix falls in. */
function selectSections(prefixes: string): PerfSection[] {
  const wanted = prefixes.split(',').map((p) => p.trim()).filter(Boolean);
  const sections = PERF_SECTIONS.filter((section) => wanted.some((p) => section.startsWith(p) || p.startsWith(`${section}.`)));
  if (!sections.length) throw new Error(`--only "${prefixes}" matches no figures; sections: ${PERF_SECTIONS.join(', ')}`);
  return sections;
}

function formatPerf(report: PerfReport): string {
  const lines = [`machine: ${report.machine.cpus} cores (${report.machine.cpu_model}), Node ${report.machine.node}, TF.js backend ${report.machine.tf_backend}`];
  if (report.retrieval) {
    lines.push(
      '',
      '| memories | top-k | p50 ms | p95 ms | floor p50 ms | floor p95 ms | p95 / floor | recall vs exact | LanceDB alone p95 ms | mirror MB | load s | store.open_ms |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const r of Object.values(report.retrieval)) {
      lines.push(
        `| ${r.memories.toLocaleString('en')} | ${r.k} | ${r.p50_ms} | ${r.p95_ms} | ${r.floor_p50_ms} | ${r.floor_p95_ms} | ${r.p95_vs_floor} | ${r.recall_vs_exact} | ${r.lance_p95_ms} (${r.lance_search}) | ${r.mirror_mb} | ${r.load_s} | ${r.open_ms} |`,
      );
    }
  }
  if (report.embed) {
    const e = report.embed;
    lines.push(
      '',
      `embedding (embed.sentences_per_s): ${e.sentences_per_s} sentences/s on ${e.workers} workers (${e.embedder}, ${e.sentences} sentences, ${e.backend} backend); ` +
        `the encoder before (the published TF.js graph, ${e.reference_backend}, calling thread) ${e.reference_sentences_per_s}/s: ${e.speedup} x (target >= 2); ` +
        `this encoder on the calling thread ${e.single_thread_sentences_per_s}/s`,
      `a query's embedding blocks the event loop (embed.query_block_max_ms): ${e.query_block_p99_ms} ms p99, ${e.query_block_max_ms} ms max (target <= 5); ` +
        `of that, running code at most (embed.query_block_busy_max_ms) ${e.query_block_busy_max_ms ?? 'n/a'} ms, the rest waiting for a core (${e.query_run_queue_ms ?? 'n/a'} ms in all); ` +
        `the same ticker embedding nothing (embed.idle_block_max_ms) ${e.idle_block_max_ms} ms max; on the calling thread ${e.single_thread_query_block_max_ms} ms max; workers: ${e.workers_priority}`,
    );
  }
  if (report.rl) {
    lines.push(
      `GRPO update, 64 manager states x G=8: ${report.rl.grpo_step_ms} ms median, ${report.rl.grpo_step_p95_ms} ms p95 (${report.rl.actions_per_state_mean} actions per state)`,
      `manager decision without the LLM: ${report.rl.manager_decide_ms} ms median, ${report.rl.manager_decide_p95_ms} ms p95`,
    );
  }
  if (report.chat) {
    const c = report.chat;
    lines.push(
      `chat overhead to the first token (chat.overhead_p95_ms), ${c.memories.toLocaleString('en')} memories, ${c.turns} turns: ${c.overhead_p50_ms} ms median, ${c.overhead_p95_ms} ms p95; ` +
        `the floor's p95 at that size ${c.floor_p95_ms} ms: ${c.overhead_vs_floor} x (target <= 2)`,
    );
  }
  if (report.serve) {
    const v = report.serve;
    lines.push(
      `web mode, ${v.concurrency} clients at once on ${v.memories.toLocaleString('en')} memories, ${v.rounds} rounds: search (memory.search and MCP search_memories, serve.search_p95_ms) ${v.search_p50_ms} ms median, ${v.search_p95_ms} ms p95 (target p95 <= 150 ms); ` +
        `chat turn to its first token (serve.first_token_p95_ms) ${v.first_token_p50_ms} ms median, ${v.first_token_p95_ms} ms p95 (target p95 <= 300 ms)`,
    );
  }
  if (report.app) {
    lines.push(`web-mode cold start, spawn to first GET / (app.cold_start_ms): ${report.app.cold_start_ms} ms median, ${report.app.cold_start_max_ms} ms max of ${report.app.runs} (target <= 2000 ms)`);
  }
  if (report.updater) {
    const u = report.updater;
    lines.push(
      `main-process event-loop delay during a learning run (updater.main_loop_lag_p99_ms), ${u.episodes.manager} manager + ${u.episodes.answer} answer episodes, ${u.algo.toUpperCase()} ${u.run_s} s, ` +
        `${u.chat_turns} chat turns meanwhile: ${u.main_loop_lag_p50_ms} ms median, ${u.main_loop_lag_p99_ms} ms p99, ${u.main_loop_lag_max_ms} ms max (target p99 <= 50 ms); ` +
        `the same chat load alone: ${u.chat_only_lag_p99_ms} ms p99: ${(u.main_loop_lag_p99_ms / u.chat_only_lag_p99_ms).toFixed(2)} x (target <= 1.2)`,
    );
  }
  if (report.llm) {
    const l = report.llm;
    lines.push(
      `grammar-constrained decoding, ${l.tokenizer}, ${l.vocab_size.toLocaleString('en')} logits, ${l.generations_per_format} seeded generations per format: ` +
        `valid ${l.constrained_valid_rate} constrained (llm.constrained_valid_rate), ${l.unconstrained_valid_rate} unconstrained; ` +
        `mask ${l.mask_ms_per_token} ms per token median, ${l.mask_p95_ms} ms p95 (target <= 1 ms); ` +
        `compile ${l.grammar_compile_ms} ms median, ${l.grammar_compile_max_ms} ms max, ${l.grammar_compile_cached_ms} ms cached; vocabulary ${l.vocabulary_prepare_ms} ms once`,
    );
  }
  return lines.join('\n');
}
