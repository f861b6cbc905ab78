import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runMemr1 } from '../helpers/memr1-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/locomo-mini.json', import.meta.url));
const tempDir = useTempDirs();

describe('memr1 train --data (LoCoMo) and the benchmark that loads its checkpoints', () => {
  it('trains the manager then the answer agent, writes learning curves, and `bench locomo --methods grpo` uses the result', async () => {
    const home = tempDir();
    const checkpoints = join(home, 'ckpt');
    const trained = await runMemr1(home, ['train', '--data', FIXTURE, '--agent', 'both', '--algo', 'grpo', '--steps', '2', '--checkpoints', checkpoints, '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const summaries = JSON.parse(trained.stdout) as Array<{ agent: string; version: string; metrics_file: string; validation_chosen: { eval: Record<string, number> } }>;
    expect(summaries.map((s) => [s.agent, s.version])).toEqual([
      ['manager', 'v0001'],
      ['answer', 'v0001'],
    ]);
    for (const summary of summaries) {
      expect(readFileSync(summary.metrics_file, 'utf8').trim().split('\n')).toHaveLength(2);
      expect(summary.validation_chosen.eval.evidence_recall).toBeGreaterThanOrEqual(0);
    }

    const out = join(home, 'report.json');
    const bench = await runMemr1(home, ['bench', 'locomo', '--data', FIXTURE, '--track', 'evidence', '--methods', 'heuristic,grpo', '--split', 'val', '--checkpoints', checkpoints, '--json', out]);
    expect(bench.code, bench.stderr).toBe(0);
    expect(bench.stdout).toMatch(/\| grpo \|/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { methods: Record<string, { policy_versions: Record<string, string> }> };
    expect(report.methods.grpo!.policy_versions).toEqual({ manager: 'v0001', answer: 'v0001' });
  });

  it('refuses --agent both without --data, and the QA track without --llm, saying what to add', async () => {
    const home = tempDir();
    const both = await runMemr1(home, ['train', '--agent', 'both']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/--agent both trains on LoCoMo only: add --data/);
    const qa = await runMemr1(home, ['train', '--data', FIXTURE, '--agent', 'answer', '--track', 'qa', '--checkpoints', join(home, 'c')]);
    expect(qa.code).not.toBe(0);
    expect(qa.stderr).toMatch(/QA track needs a chat model: --llm/);
    expect(existsSync(join(home, 'c'))).toBe(false);
  });
});
