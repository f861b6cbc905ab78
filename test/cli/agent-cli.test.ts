import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runMemr1, type CliResult } from '../helpers/memr1-cli.js';
import { startOpenAiChatServer } from '../helpers/openai-chat-server.js';

const root = mkdtempSync(join(tmpdir(), 'memr1-agent-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function memr1(...args: string[]): Promise<CliResult> {
  return runMemr1(join(root, 'home'), args);
}

async function json<T>(...args: string[]): Promise<T> {
  const result = await memr1(...args, '--json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

interface Ingested {
  policy_version: string;
  operations: Array<{ kind: string; memory_id: string; op_id: string; text: string; before: { text: string } | null; prior_source: string }>;
}

describe('memr1 ingest / ask / train / policy (the CLI, as a separate process)', () => {
  const db = join(root, 'db');
  const policies = join(root, 'policies');

  it('ingest chooses and applies operations and prints them; ask returns the kept memories', async () => {
    const first = await json<Ingested>('ingest', '--db', db, '--policies', policies, '--subject', 'Alice', '--text', 'Alice lives in Paris.', '--time', '2023-01-01', '--source', 'D1:1');
    expect(first.policy_version).toBe('prior');
    expect(first.operations).toEqual([expect.objectContaining({ kind: 'ADD', text: 'Alice lives in Paris.', before: null, prior_source: 'heuristic' })]);
    expect(first.operations[0]!.op_id).toMatch(/^[0-9a-f-]{36}$/);
    const second = await json<Ingested>('ingest', '--db', db, '--policies', policies, '--subject', 'Alice', '--text', 'Alice resides in Paris now, near the river.');
    expect(second.operations[0]).toMatchObject({ kind: 'UPDATE', memory_id: first.operations[0]!.memory_id, before: { text: 'Alice lives in Paris.' } });
    await json<Ingested>('ingest', '--db', db, '--policies', policies, '--subject', 'Bob', '--text', 'Bob is a pilot.');

    const asked = await json<{ candidates: number; kept: Array<{ id: string; text: string; score: number }> }>('ask', '--db', db, '--policies', policies, '--query', 'Where does Alice live?');
    expect(asked.candidates).toBe(2);
    expect(asked.kept[0]).toMatchObject({ text: 'Alice lives in Paris. Alice resides in Paris now, near the river.' });

    // In another scope the manager sees none of those: the same news is a new memory there, and only it is retrieved.
    const atlas = await json<Ingested>('ingest', '--db', db, '--policies', policies, '--subject', 'Alice', '--text', 'Alice resides in Paris now, near the river.', '--scope', 'Atlas');
    expect(atlas.operations).toEqual([expect.objectContaining({ kind: 'ADD', before: null })]);
    const askedAtlas = await json<{ candidates: number; kept: Array<{ id: string }> }>('ask', '--db', db, '--policies', policies, '--query', 'Where does Alice live?', '--scope', 'Atlas');
    expect(askedAtlas.candidates).toBe(1);
    expect(askedAtlas.kept.map((m) => m.id)).toEqual([atlas.operations[0]!.memory_id]);
  });

  it('train writes a checkpoint, a metrics file and makes it current; policy show and rollback manage versions', async () => {
    const trained = await json<{ version: string; metrics_file: string; after: { optimal_rate: number } }>('train', '--agent', 'manager', '--algo', 'grpo', '--steps', '3', '--seed', '5', '--policies', policies);
    expect(trained.version).toBe('v0001');
    const lines = readFileSync(trained.metrics_file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; reward_mean: number; kl: number });
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
    expect(lines.every((l) => Number.isFinite(l.reward_mean) && Number.isFinite(l.kl))).toBe(true);
    await json('train', '--agent', 'manager', '--algo', 'ppo', '--steps', '2', '--seed', '6', '--policies', policies);

    const shown = await json<{ current: string; versions: Array<{ version: string; algo: string; provenance: object }> }>('policy', 'show', '--agent', 'manager', '--policies', policies);
    expect(shown.current).toBe('v0002');
    expect(shown.versions.map((v) => v.algo)).toEqual(['grpo', 'ppo']);
    expect(shown.versions[0]!.provenance).toMatchObject({ source: 'synthetic', algorithm: 'grpo', seed: 5, prior: 'heuristic', recipe: { steps: 3 } });
    const ingested = await json<Ingested>('ingest', '--db', db, '--policies', policies, '--subject', 'Cy', '--text', 'Cy enjoys chess.');
    expect(ingested.policy_version).toBe('v0002');

    expect(await json('policy', 'rollback', '--agent', 'manager', '--policies', policies)).toEqual({ agent: 'manager', current: 'v0001' });
    const nothing = await memr1('policy', 'rollback', '--agent', 'manager', '--policies', policies);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/NOTHING_TO_ROLL_BACK/);
  });
});

describe('memr1 bench locomo (the CLI, as a separate process)', () => {
  it('runs the evidence track on a LoCoMo-shaped file at a fixed budget and writes the JSON the issue names', async () => {
    const fixture = fileURLToPath(new URL('../fixtures/locomo-mini.json', import.meta.url));
    const out = join(root, 'evidence.json');
    const result = await memr1('bench', 'locomo', '--data', fixture, '--track', 'evidence', '--split', 'val', '--methods', 'rag,heuristic,add-all,topk,supervised', '--budget', '2', '--json', out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\| heuristic \| heuristic \| \*\*overall\*\* \|/);
    type Figures = Record<'evidence_recall' | 'evidence_f1' | 'content_recall' | 'kept_mean' | 'kept_tokens_mean', number>;
    const report = JSON.parse(readFileSync(out, 'utf8')) as { split: string; budget: number; pool: { overall: Figures }; methods: Record<string, { overall: Figures; manager_ops?: Record<string, number> }> };
    expect(report).toMatchObject({ split: 'val', budget: 2 });
    for (const method of ['rag', 'heuristic', 'add-all', 'topk', 'supervised']) {
      const overall = report.methods[method]!.overall;
      expect(Object.keys(overall).sort()).toEqual(['content_recall', 'evidence_f1', 'evidence_recall', 'kept_mean', 'kept_tokens_mean', 'questions']);
      expect(overall.kept_mean).toBeLessThanOrEqual(2);
    }
    expect(report.methods['add-all']!.manager_ops).toMatchObject({ UPDATE: 0, DELETE: 0, NOOP: 0 });
    expect(report.pool.overall.evidence_recall).toBeGreaterThanOrEqual(report.methods.topk!.overall.evidence_recall);
    const badBudget = await memr1('bench', 'locomo', '--data', fixture, '--budget', 'x');
    expect(badBudget.code).toBe(2);
    expect(badBudget.stderr).toBe('memr1: --budget must be a whole number from 1 to 60, not "x" [INVALID_INPUT]\n');
    const noLlm = await memr1('bench', 'locomo', '--data', fixture, '--track', 'qa');
    expect(noLlm.code).toBe(1);
    expect(noLlm.stderr).toMatch(/the QA track needs a chat model: --llm/);
    const missing = await memr1('bench', 'locomo', '--data', join(root, 'nope.json'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/LoCoMo data not found at .*nope\.json: pass --data/);
  });
});

describe('memr1 bench locomo --track qa (the CLI against a local OpenAI-compatible server)', () => {
  it('answers every validation question through the server and writes F1 / BLEU-1 / J', async () => {
    const server = await startOpenAiChatServer({
      models: ['scripted'],
      reply: (messages) => {
        const system = messages[0]?.content ?? '';
        if (system.includes('as CORRECT or WRONG')) return '{"label": "WRONG"}';
        if (system.includes('**Answer:**')) return '**Answer:** 7 May 2023';
        return 'ADD';
      },
    });
    try {
      const fixture = fileURLToPath(new URL('../fixtures/locomo-mini.json', import.meta.url));
      const out = join(root, 'qa.json');
      const spec = `openai:${server.baseUrl}#scripted`;
      const result = await memr1('bench', 'locomo', '--data', fixture, '--track', 'qa', '--split', 'val', '--methods', 'rag,heuristic', '--llm', spec, '--judge', spec, '--backbone', 'qwen-2.5-7b', '--json', out);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Memory-R1 \(arXiv 2508\.19828\) Table 1, qwen-2\.5-7b/);
      const report = JSON.parse(readFileSync(out, 'utf8')) as { track: string; methods: Record<string, { overall: { f1: number; bleu1: number; j: number } }> };
      expect(report.track).toBe('qa');
      expect(report.methods.heuristic!.overall).toMatchObject({ f1: expect.any(Number), bleu1: expect.any(Number), j: 0 });
      expect(server.chatRequests().length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
