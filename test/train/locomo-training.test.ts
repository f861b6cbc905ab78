import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAnswerPolicy, loadManagerPolicy } from '../../models/agents/policy-loader.js';
import { DEFAULT_BANK_BUDGET } from '../../models/eval/bank/build-sim-bank.js';
import { runEvidenceTrack } from '../../models/eval/evidence/run-evidence-track.js';
import { loadLocomo } from '../../models/eval/locomo/load-locomo.js';
import { splitLocomo } from '../../models/eval/locomo/split.js';
import { ScriptedChatModel } from '../../models/llm/scripted-model.js';
import type { StepRecord } from '../../models/train/train-loop.js';
import { trainOnLocomo } from '../../models/train/locomo/train-locomo.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const LOCOMO = fileURLToPath(new URL('../../../shared/data/locomo10.json', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/locomo-mini.json', import.meta.url));
const tempDir = useTempDirs();

const curveOf = (history: StepRecord[], key: string) =>
  history
    .filter((r) => r.eval?.[key] !== undefined)
    .map((r) => `${r.step}:${r.eval![key]!.toFixed(3)}`)
    .join(' ');
const metricLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as StepRecord);

describe('training on LoCoMo (the paper\'s split: train conv-26, choose on conv-30)', () => {
  it('GRPO teaches the answer agent to pick 8 candidates holding clearly more evidence than the 8 best retrieved, and the benchmark reproduces it', async () => {
    const checkpoints = tempDir();
    const metricsFile = join(checkpoints, 'curve.jsonl');
    const split = splitLocomo(await loadLocomo(LOCOMO));
    const embedder = await realEmbedder();
    const result = await trainOnLocomo({ split, embedder, agent: 'answer', algo: 'grpo', track: 'evidence', checkpoints, seed: 7, metricsFile });
    console.log(`answer/grpo validation recall of the 8 picked ${curveOf(result.history, 'evidence_recall')}; zero-shot ${result.baseline.evidence_recall!.toFixed(3)}`);

    // The zero-shot prior keeps the 8 best retrieved (its keep logit follows the fused retrieval score): the topk baseline.
    expect(result.chosen.eval.evidence_recall).toBeGreaterThan(result.baseline.evidence_recall! + 0.04);
    expect(result.chosen.eval.kept_mean).toBe(8);
    expect(result.meta).toMatchObject({ agent: 'answer', algo: 'grpo', version: 'v0001', step: result.chosen.step });
    expect((await loadAnswerPolicy(join(checkpoints, 'grpo'))).version).toBe('v0001');
    const lines = metricLines(metricsFile);
    expect(lines).toHaveLength(result.history.length);
    expect(lines.filter((l) => l.eval?.evidence_recall !== undefined).length).toBeGreaterThanOrEqual(6);

    // The benchmark builds the same conv-30 bank and candidates as training did: its topk is the zero-shot baseline the policy beat.
    const report = await runEvidenceTrack({ split, part: 'validation', methods: ['topk'], embedder, checkpoints, budget: 8, bankBudget: DEFAULT_BANK_BUDGET });
    expect(report.methods.topk!.overall.evidence_recall).toBeCloseTo(result.baseline.evidence_recall!, 6);
  });

  it('PPO trains both agents on the small fixture, and the evidence benchmark runs the trained "ppo" method from those checkpoints', async () => {
    const checkpoints = tempDir();
    const split = splitLocomo(await loadLocomo(FIXTURE));
    const embedder = await realEmbedder();
    for (const agent of ['manager', 'answer'] as const) {
      const result = await trainOnLocomo({ split, embedder, agent, algo: 'ppo', track: 'evidence', checkpoints, seed: 7, steps: 3 });
      expect(result.history).toHaveLength(3);
      expect(existsSync(join(checkpoints, 'ppo', agent, result.meta.version, 'meta.json'))).toBe(true);
      expect(result.history.every((r) => r.value_loss !== undefined)).toBe(true); // the critic trained too
    }
    expect((await loadManagerPolicy(join(checkpoints, 'ppo'))).version).toBe('v0001');
    const report = await runEvidenceTrack({ split, part: 'validation', methods: ['ppo'], embedder, checkpoints });
    expect(report.methods.ppo!.policy_versions).toEqual({ manager: 'v0001', answer: 'v0001' });
    expect(report.methods.ppo!.overall.questions).toBe(report.questions);
    expect(report.methods.ppo!.overall.kept_mean).toBeLessThanOrEqual(8);
  });

  it('on the QA track the reward is the frozen LLM\'s exact match: an LLM that answers right only from the evidence memory gives a reward signal', async () => {
    const checkpoints = tempDir();
    const split = splitLocomo(await loadLocomo(FIXTURE));
    // Answers "A pottery class" only when the pottery memory is among those it was given.
    let calls = 0;
    const llm = new ScriptedChatModel(
      [
        {
          when: (messages) => {
            calls++;
            const prompt = messages.map((m) => m.content).join('\n');
            return prompt.includes('Which class did Ines sign up for?') && prompt.includes('Tuesday pottery class');
          },
          reply: '**Answer:** A pottery class',
        },
      ],
      '**Answer:** I do not know',
      'scripted-qa',
    );
    const result = await trainOnLocomo({ split, embedder: await realEmbedder(), agent: 'answer', algo: 'grpo', track: 'qa', llm, checkpoints, seed: 7, steps: 4 });
    expect(calls).toBeGreaterThan(0);
    expect(result.baseline.em).toBeDefined();
    const rewards = result.history.map((r) => r.reward_mean);
    expect(rewards.some((r) => r > 0)).toBe(true); // some sampled picks contain the memory, and score 1
    await expect(trainOnLocomo({ split, embedder: await realEmbedder(), agent: 'answer', algo: 'grpo', track: 'qa', checkpoints, seed: 7, steps: 1 })).rejects.toThrow(/--llm/);
  });
});
