import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAnswerPolicy, loadManagerPolicy } from '../../models/agents/policy-loader.js';
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
  it('GRPO teaches the manager operations that raise the frozen answer agent\'s evidence F1 on validation, and saves the chosen version', async () => {
    const checkpoints = tempDir();
    const metricsFile = join(checkpoints, 'curve.jsonl');
    const split = splitLocomo(await loadLocomo(LOCOMO));
    const result = await trainOnLocomo({ split, embedder: await realEmbedder(), agent: 'manager', algo: 'grpo', track: 'evidence', checkpoints, seed: 7, metricsFile });
    console.log(`manager/grpo validation evidence F1 by step ${curveOf(result.history, 'evidence_f1')} (zero-shot ${result.baseline.evidence_f1!.toFixed(3)})`);

    // The zero-shot heuristic merges most observations into multi-source memories; the top 10 then carry many non-evidence turns.
    expect(result.chosen.eval.evidence_f1).toBeGreaterThan(1.5 * result.baseline.evidence_f1!);
    expect(result.chosen.eval.evidence_recall).toBeGreaterThanOrEqual(result.baseline.evidence_recall!);
    expect(result.meta).toMatchObject({ agent: 'manager', algo: 'grpo', version: 'v0001', step: result.chosen.step });
    expect(result.meta.metrics.val_evidence_f1).toBe(result.chosen.eval.evidence_f1);
    const loaded = await loadManagerPolicy(join(checkpoints, 'grpo'));
    expect(loaded.version).toBe('v0001');
    // The learning curve: one JSON line per step, with the validation scores on evaluation steps.
    const lines = metricLines(metricsFile);
    expect(lines).toHaveLength(result.history.length);
    expect(lines.filter((l) => l.eval?.evidence_f1 !== undefined).length).toBeGreaterThanOrEqual(8);
  });

  it('GRPO teaches the answer agent to keep few memories without losing evidence recall (the recall constraint, the calibrated keep threshold), on the trained manager\'s banks', async () => {
    const checkpoints = tempDir();
    const split = splitLocomo(await loadLocomo(LOCOMO));
    const embedder = await realEmbedder();
    await trainOnLocomo({ split, embedder, agent: 'manager', algo: 'grpo', track: 'evidence', checkpoints, seed: 7 });
    const result = await trainOnLocomo({ split, embedder, agent: 'answer', algo: 'grpo', track: 'evidence', checkpoints, seed: 7, steps: 60 });
    console.log(`answer/grpo validation F1 ${curveOf(result.history, 'evidence_f1')} recall ${curveOf(result.history, 'evidence_recall')} kept ${curveOf(result.history, 'kept_mean')}; mem0 (top 10) ${JSON.stringify(result.baseline)}`);

    expect(result.warnings).toEqual([]);
    expect(result.chosen.eval.evidence_recall).toBeGreaterThanOrEqual(result.baseline.evidence_recall!);
    expect(result.chosen.eval.evidence_f1).toBeGreaterThan(2 * result.baseline.evidence_f1!);
    expect(result.chosen.eval.kept_mean).toBeLessThanOrEqual(15);
    // λ, the recall constraint's multiplier, is logged with every step.
    expect(result.history.every((r) => typeof (r as StepRecord & { lambda?: number }).lambda === 'number')).toBe(true);
    expect((await loadAnswerPolicy(join(checkpoints, 'grpo'))).version).toBe('v0001');
    // The calibrated threshold is folded into the saved policy: the benchmark's plain greedy decoding reproduces the chosen
    // point (up to the few candidates a separately built bank retrieves differently; unfolded, it would keep about 2).
    const report = await runEvidenceTrack({ conversations: split.validation.conversations, questions: split.validation.questions, methods: ['grpo'], embedder, checkpoints });
    expect(Math.abs(report.methods.grpo!.overall.evidence_recall - result.chosen.eval.evidence_recall!)).toBeLessThan(0.02);
    expect(Math.abs(report.methods.grpo!.overall.kept_mean - result.chosen.eval.kept_mean!)).toBeLessThan(0.5);
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
    const report = await runEvidenceTrack({ conversations: split.validation.conversations, questions: split.validation.questions, methods: ['ppo'], embedder, checkpoints });
    expect(report.methods.ppo!.policy_versions).toEqual({ manager: 'v0001', answer: 'v0001' });
    expect(report.methods.ppo!.overall.questions).toBe(report.questions);
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
    expect(rewards.some((r) => r > 0)).toBe(true); // some sampled kept sets contain the memory, and score 1
    await expect(trainOnLocomo({ split, embedder: await realEmbedder(), agent: 'answer', algo: 'grpo', track: 'qa', checkpoints, seed: 7, steps: 1 })).rejects.toThrow(/--llm/);
  });
});
