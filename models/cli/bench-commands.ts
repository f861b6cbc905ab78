import { type Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { runPerfBench, type PerfReport } from '../bench/perf.js';
import { createProgress } from './progress.js';

/** `memr1 bench …`: benchmarks that print what they measured. */
export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('benchmarks (timings live here, never in tests)');

  bench
    .command('perf')
    .description('retrieval latency at 1k/10k/100k memories, embedding throughput, GRPO update and manager decision times')
    .option('--json <file>', 'also write the figures as JSON')
    .option('--sizes <list>', 'comma-separated memory counts', '1000,10000,100000')
    .option('--queries <n>', 'queries per size', (v) => Number.parseInt(v, 10), 200)
    .option('--sentences <n>', 'sentences to embed', (v) => Number.parseInt(v, 10), 1000)
    .action(async (opts: { json?: string; sizes: string; queries: number; sentences: number }) => {
      const progress = createProgress();
      const sizes = opts.sizes.split(',').map((s) => Number.parseInt(s, 10));
      if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--sizes must be positive integers, got "${opts.sizes}"`);
      let report: PerfReport;
      try {
        report = await runPerfBench({ sizes, queries: opts.queries, k: 60, sentences: opts.sentences, onProgress: progress.update });
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

function formatPerf(report: PerfReport): string {
  const lines = [
    `machine: ${report.machine.cpus} cores (${report.machine.cpu_model}), Node ${report.machine.node}, TF.js backend ${report.machine.tf_backend}`,
    '',
    '| memories | search | top-k | p50 ms | p95 ms | recall vs exact | load s |',
    '|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of Object.values(report.retrieval)) {
    lines.push(`| ${r.memories.toLocaleString('en')} | ${r.search} | ${r.k} | ${r.p50_ms} | ${r.p95_ms} | ${r.recall_vs_exact} | ${r.load_s} |`);
  }
  lines.push('', `embedding: ${report.embed.sentences_per_s} sentences/s (${report.embed.embedder}, ${report.embed.sentences} sentences, ${report.embed.backend})`);
  lines.push(
    `GRPO update, 64 manager states x G=8: ${report.rl.grpo_step_ms} ms median, ${report.rl.grpo_step_p95_ms} ms p95 (${report.rl.actions_per_state_mean} actions per state)`,
    `manager decision without the LLM: ${report.rl.manager_decide_ms} ms median, ${report.rl.manager_decide_p95_ms} ms p95`,
  );
  return lines.join('\n');
}
