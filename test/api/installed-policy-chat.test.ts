import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnswerAgent, DEFAULT_KEEP } from '../../models/agents/answer-agent.js';
import { ANSWER_FEATURE_DIM } from '../../models/agents/answer-state.js';
import { findInstallSources, installPolicies } from '../../models/agents/policy-install.js';
import { Assistant } from '../../models/api/assistant.js';
import type { ChatEvent } from '../../models/contract/schemas.js';
import { MemoryStore } from '../../models/memory/store.js';
import { BernoulliPolicy } from '../../models/rl/bernoulli-policy.js';
import { CheckpointStore } from '../../models/rl/checkpoints.js';
import type { RowState } from '../../models/rl/pad-batch.js';
import { TopKPolicy, type TopKPicks } from '../../models/rl/top-k-policy.js';
import { train, type TrainEnvironment } from '../../models/train/train-loop.js';
import { call, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

const MEMORIES = [
  'The user likes grilled sardines.',
  'The user eats oatmeal for breakfast every day.',
  'The user is allergic to peanuts.',
  'The user cooks pasta on Sundays.',
  'The user drinks green tea in the afternoon.',
  'The user has a dog called Rex.',
  'The user works as a nurse at the city hospital.',
  'The user plays the cello in an amateur orchestra.',
  'The user was born in Porto.',
  'The user runs five kilometres on Tuesdays.',
  'The user is learning Japanese.',
  'The user has two sisters.',
  'The user visited Kyoto in April.',
  'The user drives a blue bicycle to work.',
  'The user reads science fiction before bed.',
];
const QUESTION = 'What food does the user like to eat?';

async function keptByChat(assistant: Assistant): Promise<string[]> {
  const events = (await streamEvents(assistant, 'chat.send', { text: QUESTION })) as ChatEvent[];
  const memories = events.find((e): e is Extract<ChatEvent, { type: 'memories' }> => e.type === 'memories');
  if (!memories) throw new Error(`no memories event in ${JSON.stringify(events)}`);
  return memories.memories.map((m) => m.text);
}

describe('an installed answer policy reaches the chat', () => {
  it('a policy trained with GRPO to keep a memory the prior drops, installed as `memr1 policy install` does, changes what chat.send keeps', async () => {
    const profileDir = tempDir();
    const embedder = await realEmbedder();
    const open = () => Assistant.open({ profileDir, embedder, chatModel: scriptedAssistantModel() });

    let assistant = await open();
    for (const text of MEMORIES) await call(assistant, 'memory.add', { text, subject: 'user' });
    const priorKept = await keptByChat(assistant);
    expect((await call(assistant, 'training.status', {})).current_versions.answer).toBe('prior');
    await assistant.close();

    // The state the chat's answer agent sees for the question: the same store, retrieval and features, read without the app.
    const store = await MemoryStore.open({ uri: join(profileDir, 'memory'), embedder });
    const distilled = await new AnswerAgent({ store, embedder, policy: BernoulliPolicy.create(ANSWER_FEATURE_DIM) }).distil(QUESTION);
    await store.close();
    expect(distilled.kept.map((m) => m.text).sort()).toEqual([...priorKept].sort());
    expect(priorKept).toHaveLength(DEFAULT_KEEP);
    // The target: the candidate the prior ranks last (lowest fused retrieval score), certainly not kept.
    const target = distilled.candidates.length - 1;
    const targetText = distilled.candidates[target]!.text;
    expect(priorKept).not.toContain(targetText);

    // A real top-k policy trained with the project's GRPO loop on a reward that wants the target kept.
    const state: RowState = distilled.state;
    const policy = TopKPolicy.create(ANSWER_FEATURE_DIM, DEFAULT_KEEP, { seed: 7 });
    const keepsTarget = () => (policy.greedy(state).includes(target) ? 1 : 0);
    const env: TrainEnvironment<RowState, TopKPicks> = {
      states: [state],
      reward: (_, picks) => (picks.includes(target) ? 1 : 0),
      evaluate: () => ({ keeps_target: keepsTarget() }),
      stateFeatures: (s) => s.prior,
    };
    expect(keepsTarget()).toBe(0);
    const result = await train(env, policy, { algo: 'grpo', steps: 40, batchSize: 4, evalEvery: 10, seed: 7, grpo: { learningRate: 0.02 } });
    expect(result.history.at(-1)!.eval!.keeps_target).toBe(1);

    const checkpoints = join(tempDir(), 'grpo');
    await new CheckpointStore(join(checkpoints, 'answer')).save(
      { policy: policy.net },
      {
        agent: 'answer',
        algo: 'grpo',
        step: 40,
        parent: null,
        feature_dim: ANSWER_FEATURE_DIM,
        metrics: { keeps_target: 1 },
        provenance: { source: 'synthetic', algorithm: 'grpo', seed: 7, prior: 'retrieval', recipe: { steps: 40, batchSize: 4, learningRate: 0.02 }, validation: { keeps_target: 1 } },
      },
    );
    policy.net.dispose();
    const installed = await installPolicies(await findInstallSources(checkpoints), profileDir);
    expect(installed.map((i) => [i.agent, i.version])).toEqual([['answer', 'v0001']]);

    assistant = await open();
    try {
      const status = await call(assistant, 'training.status', {});
      expect(status.current_versions).toEqual({ manager: 'prior', answer: 'v0001' });
      const [current] = (await call(assistant, 'training.versions', { agent: 'answer' })).items;
      expect(current).toMatchObject({ version: 'v0001', current: true, provenance: { source: 'synthetic', algorithm: 'grpo', installed_from: join(checkpoints, 'answer') } });

      const trainedKept = await keptByChat(assistant);
      expect(trainedKept).toHaveLength(DEFAULT_KEEP);
      expect(trainedKept).toContain(targetText);
      expect(new Set(trainedKept)).not.toEqual(new Set(priorKept));
    } finally {
      await assistant.close();
    }
  });
});
