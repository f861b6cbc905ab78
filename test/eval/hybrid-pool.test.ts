import { describe, expect, it } from 'vitest';
import { AnswerAgent } from '../../models/agents/answer-agent.js';
import { ANSWER_FEATURE_DIM } from '../../models/agents/answer-state.js';
import { fuseRankings } from '../../models/agents/fuse-rankings.js';
import { buildSimBank } from '../../models/eval/bank/build-sim-bank.js';
import { distillExample } from '../../models/eval/bank/distill-example.js';
import { embedConversations } from '../../models/eval/bank/embedded-conversation.js';
import { bm25Scores } from '../../models/eval/bank/hybrid-pool.js';
import { openBank } from '../../models/eval/evidence/build-bank.js';
import { loadLocomo } from '../../models/eval/locomo/load-locomo.js';
import { splitLocomo } from '../../models/eval/locomo/split.js';
import { evidenceRecall } from '../../models/eval/metrics/evidence.js';
import { BernoulliPolicy } from '../../models/rl/bernoulli-policy.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const LOCOMO = new URL('../../../shared/data/locomo10.json', import.meta.url).pathname;
const tempDir = useTempDirs();
const memory = (id: string, text: string) => ({ id, text, vector: new Float32Array([1, 0]), subject: 'Ines', event_time: null, sources: [] });

describe('hybrid retrieval: reciprocal-rank fusion over the store and over in-memory banks', () => {
  it('fuses two ranked lists by 1/(60 + rank), keeping each candidate\'s signals', () => {
    const fused = fuseRankings(
      [
        { item: 'a', cosine: 0.9 },
        { item: 'b', cosine: 0.8 },
      ],
      [
        { item: 'b', bm25: 3 },
        { item: 'c', bm25: 1 },
      ],
      (x) => x,
      () => 0.1,
      3,
    );
    expect(fused.map((h) => h.item)).toEqual(['b', 'a', 'c']);
    expect(fused[0]).toMatchObject({ vectorRank: 1, textRank: 0, bm25: 3, cosine: 0.8, fused: expect.closeTo(1 / 62 + 1 / 61, 9) });
    expect(fused[2]).toMatchObject({ vectorRank: -1, textRank: 1, cosine: 0.1 });
  });

  it('BM25 ranks the memory that shares the rare question word first, and scores 0 without shared words', () => {
    const bank = [memory('1', 'Ines likes tea.'), memory('2', 'Ines signed up for pottery.'), memory('3', 'Ines likes hiking.')];
    const scores = bm25Scores(bank, 'What class did Ines sign up for, pottery?');
    expect(scores[1]).toBeGreaterThan(scores[0]!);
    expect(bm25Scores(bank, 'zebra')).toEqual([0, 0, 0]);
  });

  it('the benchmark\'s in-memory candidates agree with the Answer Agent\'s over the real store (conv-30, heuristic bank)', async () => {
    const embedder = await realEmbedder();
    const split = splitLocomo(await loadLocomo(LOCOMO));
    const [conversation] = await embedConversations(embedder, split.validation.conversations, split.validation.questions);
    const { memories } = buildSimBank('heuristic', conversation!, { bankBudget: 0.5 });
    const store = await openBank(tempDir(), embedder);
    try {
      await store.addMany(memories.map((m) => ({ text: m.text, subject: m.subject, event_time: m.event_time, sources: [...m.sources], vector: m.vector })));
      const agent = new AnswerAgent({ store, embedder, policy: BernoulliPolicy.create(ANSWER_FEATURE_DIM), subjects: conversation!.speakers });
      let overlap = 0;
      let storeRecall = 0;
      let memoryRecall = 0;
      for (const asked of conversation!.questions) {
        const real = await agent.distil(asked.question.question);
        const simulated = distillExample(memories, asked, conversation!.speakers);
        const texts = new Set(real.candidates.map((c) => c.text));
        overlap += simulated.candidates.filter((c) => texts.has(c.text)).length / simulated.candidates.length;
        storeRecall += evidenceRecall(real.candidates.flatMap((c) => c.sources), asked.question.evidence);
        memoryRecall += evidenceRecall(simulated.candidates.flatMap((c) => c.sources), asked.question.evidence);
      }
      const n = conversation!.questions.length;
      // The lists differ only where LanceDB's BM25 (its own tokenizer) and the in-memory one (stemmed content words) disagree.
      expect(overlap / n).toBeGreaterThan(0.85);
      expect(Math.abs(storeRecall - memoryRecall) / n).toBeLessThan(0.03);
    } finally {
      await store.close();
    }
  });
});
