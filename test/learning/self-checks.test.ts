import { describe, expect, it } from 'vitest';
import { AnswerAgent } from '../../models/agents/answer-agent.js';
import { ANSWER_FEATURE_DIM } from '../../models/agents/answer-state.js';
import { latestSignals } from '../../models/learning/dataset.js';
import { answerReward } from '../../models/learning/samples.js';
import { selfCheckSamples } from '../../models/learning/self-checks.js';
import { FeedbackLog } from '../../models/memory/feedback-log.js';
import { MemoryStore } from '../../models/memory/store.js';
import { BernoulliPolicy } from '../../models/rl/bernoulli-policy.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('self-checks: a memory the user stands by should answer its own question', () => {
  it('distils each accepted or edited memory as a question and rewards keeping it; gone or rejected ones are skipped', async () => {
    await ensureTfBackend();
    const embedder = await realEmbedder();
    const store = await MemoryStore.open({ uri: tempDir(), embedder });
    const policy = BernoulliPolicy.create(ANSWER_FEATURE_DIM);
    try {
      const [tea, piano, gone, rejected] = await Promise.all(
        ['The user drinks green tea every morning.', 'The user plays the piano on Sundays.', 'The user lived in Berlin.', 'The user hates cats.'].map((text, i) => store.add({ text, subject: 'user', scope: i === 1 ? 'Atlas' : 'personal' })),
      );
      for (let i = 0; i < 20; i++) await store.add({ text: `The user noted unrelated thing number ${i}.`, subject: 'user' });
      await store.delete(gone!.memory_id!);
      const feedback = new FeedbackLog(store.tables.feedback);
      await feedback.record({ kind: 'op_accepted', target_id: tea!.op_id, value: 1 });
      await feedback.record({ kind: 'op_edited', target_id: piano!.op_id, value: 0, payload: { text: 'x' } });
      await feedback.record({ kind: 'op_accepted', target_id: gone!.op_id, value: 1 });
      await feedback.record({ kind: 'op_rejected', target_id: rejected!.op_id, value: -1 });
      await feedback.record({ kind: 'op_accepted', target_id: 'no-such-op', value: 1 });

      const asked: string[] = [];
      const distil = async (question: string, scope: string) => {
        asked.push(`${question} (${scope})`);
        const distilled = await new AnswerAgent({ store, embedder, policy, scope }).distil(question);
        return { distilled, logits: policy.stateLogits(distilled.state) };
      };
      const samples = await selfCheckSamples({ store, distil }, latestSignals(await feedback.all()).values());
      // Each in its own scope: the piano memory was told in project Atlas.
      expect(asked.sort()).toEqual(['The user drinks green tea every morning. (personal)', 'The user plays the piano on Sundays. (Atlas)']);
      expect(samples.map((s) => s.id).sort()).toEqual([`self-check:${piano!.memory_id}`, `self-check:${tea!.memory_id}`].sort());
      // Atlas holds the piano memory alone: none of the 22 personal ones is a candidate there.
      expect(samples.find((s) => s.id === `self-check:${piano!.memory_id}`)!.candidateIds).toEqual([piano!.memory_id]);
      for (const sample of samples.filter((s) => s.id === `self-check:${tea!.memory_id}`)) {
        expect(sample.candidateIds).toHaveLength(22);
        expect(sample.terms).toEqual([{ weight: 1, measure: 'f1', ids: [sample.id.slice('self-check:'.length)] }]);
        expect(sample.selfCheck).toBe(true);
        const target = sample.candidateIds.indexOf(sample.terms[0]!.ids[0]!);
        const keepsIt = sample.candidateIds.map((_, i) => (i === target ? 1 : 0));
        // Keeping everything also holds it, but the precision term scores that 2/23, not 1.
        expect(answerReward(sample, keepsIt)).toBe(1);
        expect(answerReward(sample, keepsIt.map(() => 1))).toBeCloseTo(2 / 23, 12);
        expect(answerReward(sample, keepsIt.map((k) => 1 - k))).toBe(0);
        // For the gate: keeping the memory earns +1, keeping each other candidate the chat kept -1/8, under the policy's own keep probabilities.
        const others = sample.outcomes!.filter((o) => o.action !== target);
        expect(sample.outcomes!.find((o) => o.action === target)).toMatchObject({ reward: 1 });
        expect(others).toHaveLength(7);
        expect(others.every((o) => o.reward === -1 / 8 && o.behaviourLogProb < 0)).toBe(true);
      }
      // At most `limit`, newest reviews first.
      expect((await selfCheckSamples({ store, distil }, latestSignals(await feedback.all()).values(), 1)).map((s) => s.id)).toEqual([`self-check:${piano!.memory_id}`]);
    } finally {
      policy.net.dispose();
      await store.close();
    }
  });
});
