import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import type { TrainingEvent } from '../../models/contract/learning-schemas.js';
import { call, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { idsOn, seedLearningData, type ManagerCase } from '../helpers/learning-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';

/** Read in place, never copied (CI has it beside the repository). */
const LOCOMO = fileURLToPath(new URL('../../../shared/data/locomo10.json', import.meta.url));
const tempDir = useTempDirs();

async function trainOnce(locomoData: string): Promise<Extract<TrainingEvent, { type: 'done' }>['run']> {
  const profileDir = tempDir();
  const cases = (side: 'train' | 'held-out', count: number, prior: 'ADD' | 'DELETE') =>
    idsOn(side, count, `locomo-${prior}`).map((id): ManagerCase => ({ id, prior, review: prior === 'DELETE' ? 'op_rejected' : 'op_accepted' }));
  const manager = [...cases('train', 8, 'DELETE'), ...cases('train', 8, 'ADD'), ...cases('held-out', 4, 'DELETE'), ...cases('held-out', 4, 'ADD')];
  const answer = [...idsOn('train', 6, 'locomo-answer'), ...idsOn('held-out', 8, 'locomo-answer')].map((id) => ({ id }));
  await seedLearningData(profileDir, await realEmbedder(), { manager, answer });
  const assistant = await Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel(), locomoData });
  try {
    await call(assistant, 'training.configure', { enabled: true });
    const events = (await streamEvents(assistant, 'training.start', {})) as TrainingEvent[];
    return (events.at(-1) as Extract<TrainingEvent, { type: 'done' }>).run;
  } finally {
    await assistant.close();
  }
}

describe('the LoCoMo validation gate (when the app is given locomo10.json)', () => {
  it("scores each agent's candidate and its base version (the anchor) on conv-30's evidence track, and the gate reads both", async () => {
    const run = await trainOnce(LOCOMO);
    expect(run.state).toBe('finished');
    const locomo = { locomo_val_evidence_f1: expect.any(Number), locomo_val_evidence_recall: expect.any(Number) };
    for (const result of run.results) {
      expect(result.scores).toEqual({ current: { heldout_value: expect.any(Number) }, candidate: { heldout_value: expect.any(Number), heldout_lead_lower_bound: expect.any(Number), ...locomo }, anchor: locomo });
      expect(result.reason).toMatch(/; LoCoMo validation evidence F1 \d\.\d{3} [≥<] the base version prior's \d\.\d{3} − 0\.01/);
      const { candidate, anchor } = result.scores;
      const passes = candidate.heldout_lead_lower_bound! > 0 && candidate.locomo_val_evidence_f1! >= anchor!.locomo_val_evidence_f1! - 0.01;
      expect(result.outcome).toBe(passes ? 'promoted' : 'kept_current');
    }
    // The zero-shot manager's conv-30 evidence F1 under the default bank budget, the frozen prior keeping 8 (README, "Training on LoCoMo": 0.051).
    const manager = run.results.find((r) => r.agent === 'manager')!;
    expect(manager.scores.anchor!.locomo_val_evidence_f1).toBeCloseTo(0.051, 2);
    expect(run.results.map((r) => r.agent)).toEqual(['manager', 'answer']);
  });

  it('data that cannot be read fails the run and says what to do', async () => {
    const run = await trainOnce('/nonexistent/locomo10.json');
    expect(run).toMatchObject({ state: 'failed', message: expect.stringMatching(/^the LoCoMo validation data could not be used \(.*\); fix the path given with --locomo-data/) });
  });
});
