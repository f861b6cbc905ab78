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

describe('evidence track on a small LoCoMo-shaped fixture (real store, real embeddings)', () => {
  it('scores rag, mem0 and mem0-60 per category and overall, with the kept sizes each method promises', async () => {
    const split = splitLocomo(await loadLocomo(FIXTURE));
    const embedder = new CachingEmbedder(await realEmbedder());
    const report = await runEvidenceTrack({ conversations: split.test.conversations, questions: split.test.questions, methods: ['rag', 'mem0', 'mem0-60'], embedder, checkpoints: tempDir() });
    expect(report.questions).toBeGreaterThan(0);
    for (const method of ['rag', 'mem0', 'mem0-60'] as const) {
      const result = report.methods[method]!;
      expect(result.overall.questions).toBe(report.questions);
      for (const value of [result.overall.evidence_recall, result.overall.evidence_f1]) expect(value).toBeGreaterThanOrEqual(0);
      expect(result.overall.evidence_recall).toBeLessThanOrEqual(1);
      expect(Object.keys(result.categories).every((name) => /^[1-4] (multi-hop|temporal|open-domain|single-hop)$/.test(name))).toBe(true);
    }
    // Keeping every candidate can only find more of the evidence than keeping the top 10 of the same ranking.
    expect(report.methods['mem0-60']!.overall.evidence_recall).toBeGreaterThanOrEqual(report.methods.mem0!.overall.evidence_recall);
    expect(report.methods.mem0!.overall.kept_mean).toBeLessThanOrEqual(10);
    const ops = report.methods.mem0!.operations!;
    expect(Object.values(ops).reduce((a, b) => a + b, 0)).toBe(split.test.conversations.reduce((n, c) => n + c.observations.length, 0));
    expect(report.category_mapping).toMatch(/Mem0's maintainers use another mapping/);
  });

  it('refuses the trained methods without checkpoints, saying how to train them', async () => {
    const split = splitLocomo(await loadLocomo(FIXTURE));
    const run = runEvidenceTrack({ conversations: split.test.conversations, questions: split.test.questions, methods: ['grpo'], embedder: await realEmbedder(), checkpoints: tempDir() });
    await expect(run).rejects.toThrow(/no trained manager and answer checkpoint for "grpo".*memr1 train --data/);
  });
});
