import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CachingEmbedder } from '../../models/embed/caching-embedder.js';
import { runEvidenceTrack } from '../../models/eval/evidence/run-evidence-track.js';
import { loadLocomo } from '../../models/eval/locomo/load-locomo.js';
import { splitLocomo } from '../../models/eval/locomo/split.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/locomo-mini.json', import.meta.url));
const tempDir = useTempDirs();

describe('evidence track on a small LoCoMo-shaped fixture (in-memory banks, real embeddings)', () => {
  it('scores every cheap method per category and overall, on the same candidates, with the kept sizes each promises', async () => {
    const split = splitLocomo(await loadLocomo(FIXTURE));
    const embedder = new CachingEmbedder(await realEmbedder());
    const methods = ['rag', 'heuristic', 'add-all', 'topk', 'supervised'] as const;
    const report = await runEvidenceTrack({ split, part: 'test', methods: [...methods], embedder, checkpoints: tempDir() });
    expect(report.questions).toBeGreaterThan(0);
    for (const method of methods) {
      const result = report.methods[method]!;
      expect(result.overall.questions).toBe(report.questions);
      for (const value of [result.overall.evidence_recall, result.overall.evidence_f1, result.overall.content_recall]) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(1);
      }
      expect(Object.keys(result.categories).every((name) => /^[1-4] (multi-hop|temporal|open-domain|single-hop)$/.test(name))).toBe(true);
    }
    // Without a budget the rank methods keep their top 10; no trained grpo manager, so topk distils the heuristic's bank.
    expect(report.methods.topk!.bank).toBe('heuristic');
    expect(report.methods.topk!.overall).toEqual(report.methods.heuristic!.overall);
    expect(report.methods.heuristic!.overall.kept_mean).toBeLessThanOrEqual(10);
    // The pool is every candidate of that bank: no distiller of it finds more.
    for (const method of ['topk', 'supervised'] as const) expect(report.pool.overall.evidence_recall).toBeGreaterThanOrEqual(report.methods[method]!.overall.evidence_recall);
    const observations = split.test.conversations.reduce((n, c) => n + c.observations.length, 0);
    const ops = report.methods['add-all']!.manager_ops!;
    expect(ops).toEqual({ ADD: observations, UPDATE: 0, DELETE: 0, NOOP: 0 });
    const heuristicOps = report.methods.heuristic!.manager_ops!;
    expect(Object.values(heuristicOps).reduce((a, b) => a + b, 0)).toBe(observations);
    expect(report.banks.heuristic!.memories_mean).toBeLessThanOrEqual(report.banks['add-all']!.memories_mean);
    expect(report.supervised!.l2).toBeGreaterThan(0);
    expect(report.category_mapping).toMatch(/Mem0's maintainers use another mapping/);
  });

  it('with --budget every method keeps exactly its K best, and a bank budget caps the managed banks', async () => {
    const split = splitLocomo(await loadLocomo(FIXTURE));
    const embedder = new CachingEmbedder(await realEmbedder());
    // On the validation part, which the supervised baseline also selects on: each question still counts once.
    const report = await runEvidenceTrack({ split, part: 'validation', methods: ['heuristic', 'add-all', 'supervised'], embedder, checkpoints: tempDir(), budget: 1, bankBudget: 0.5 });
    for (const method of ['heuristic', 'add-all', 'supervised'] as const) {
      expect(report.methods[method]!.overall.kept_mean).toBe(1);
      expect(report.methods[method]!.overall.questions).toBe(report.questions);
    }
    const observations = split.validation.conversations.map((c) => c.observations.length);
    expect(report.banks.heuristic!.memories_mean).toBeLessThanOrEqual(observations.reduce((a, b) => a + Math.round(b * 0.5), 0) / observations.length);
    expect(report).toMatchObject({ budget: 1, bank_budget: 0.5 });
  });

  it('refuses the trained methods without checkpoints, saying how to train them', async () => {
    const split = splitLocomo(await loadLocomo(FIXTURE));
    const run = runEvidenceTrack({ split, part: 'test', methods: ['grpo'], embedder: await realEmbedder(), checkpoints: tempDir() });
    await expect(run).rejects.toThrow(/no trained manager and answer checkpoint for "grpo".*memr1 train --data/);
  });
});
