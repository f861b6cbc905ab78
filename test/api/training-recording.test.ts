import * as lancedb from '@lancedb/lancedb';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import type { ChatEvent } from '../../models/contract/schemas.js';
import { EpisodeLog } from '../../models/memory/episode-log.js';
import { FeedbackLog } from '../../models/memory/feedback-log.js';
import { MemoryStore } from '../../models/memory/store.js';
import { call, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function openAssistant(profileDir: string) {
  return Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
}

async function chat(assistant: Assistant, text: string): Promise<{ done: Extract<ChatEvent, { type: 'done' }>; operations: Extract<ChatEvent, { type: 'operations' }>['operations'] }> {
  const events = (await streamEvents(assistant, 'chat.send', { text })) as ChatEvent[];
  const done = events.find((e) => e.type === 'done') as Extract<ChatEvent, { type: 'done' }>;
  const operations = events.flatMap((e) => (e.type === 'operations' ? e.operations : []));
  return { done, operations };
}

/** The profile's learning data, read without the writer lock. */
async function learningData(profileDir: string) {
  const store = await MemoryStore.open({ uri: join(profileDir, 'memory'), readOnly: true });
  try {
    const episodes = new EpisodeLog(store.tables.episodes!);
    return { feedback: await new FeedbackLog(store.tables.feedback).all(), manager: await episodes.all('manager'), answer: await episodes.all('answer') };
  } finally {
    await store.close();
  }
}

describe('what learning records, and only while it is on', () => {
  it('off by default: no episodes, no review feedback, and answer feedback refused', async () => {
    const profileDir = tempDir();
    const assistant = await openAssistant(profileDir);
    try {
      const status = await call(assistant, 'training.status', {});
      expect(status).toMatchObject({
        settings: { enabled: false, algo: 'grpo', schedule_minutes: 60, min_new_feedback: 5, keep_versions: 5 },
        running: null,
        last_run: null,
        next_run_at: null,
        data: { feedback: 0, new_feedback: 0, episodes: { manager: 0, answer: 0 } },
        current_versions: { manager: 'prior', answer: 'prior' },
        warnings: [],
      });
      await chat(assistant, 'I moved to Lisbon last spring.');
      const { done, operations } = await chat(assistant, 'I have a dog called Rex.');
      await call(assistant, 'ops.accept', { op_id: operations[0]!.op_id });
      expect(await assistant.dispatch('chat.feedback', { message_id: done.message_id, kind: 'answer_up' })).toEqual({
        ok: false,
        error: { code: 'CONFLICT', message: expect.stringMatching(/^Learning is off, so feedback on replies is not kept. Turn learning on first/) },
      });
      expect((await call(assistant, 'training.status', {})).data).toMatchObject({ feedback: 0, new_feedback: 0, episodes: { manager: 0, answer: 0 } });
      expect((await call(assistant, 'ops.list', { status: 'accepted' })).items).toHaveLength(1); // the journal keeps the review anyway
    } finally {
      await assistant.close();
    }
    expect(await learningData(profileDir)).toEqual({ feedback: [], manager: [], answer: [] });
  });

  it('on: an episode per operation and per reply with the state the policy saw, and every kind of feedback', async () => {
    const profileDir = tempDir();
    const assistant = await openAssistant(profileDir);
    let turns: Array<Awaited<ReturnType<typeof chat>>>;
    try {
      expect((await call(assistant, 'training.configure', { enabled: true, algo: 'ppo' })).settings).toMatchObject({ enabled: true, algo: 'ppo' });
      turns = [await chat(assistant, 'I moved to Lisbon last spring.'), await chat(assistant, 'I have a dog called Rex.')];
      const [lisbon, rex] = turns as [(typeof turns)[0], (typeof turns)[0]];
      await call(assistant, 'ops.accept', { op_id: lisbon.operations[0]!.op_id });
      await call(assistant, 'ops.edit', { op_id: rex.operations[0]!.op_id, text: 'The user has a beagle called Rex.' });

      expect(await call(assistant, 'chat.feedback', { message_id: lisbon.done.message_id, kind: 'answer_up' })).toEqual({
        id: expect.any(String),
        message_id: lisbon.done.message_id,
        kind: 'answer_up',
        value: 1,
      });
      expect(await call(assistant, 'chat.feedback', { message_id: rex.done.message_id, kind: 'answer_corrected', correction: 'You know I have a dog.' })).toMatchObject({ kind: 'answer_corrected', value: -1 });
      expect(await call(assistant, 'chat.feedback', { message_id: rex.done.message_id, kind: 'answer_down' })).toMatchObject({ kind: 'answer_down', value: -1 });
      expect(await assistant.dispatch('chat.feedback', { message_id: 'no-such-message', kind: 'answer_up' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      const userMessage = (await call(assistant, 'chat.history', {})).messages.find((m) => m.role === 'user')!;
      expect(await assistant.dispatch('chat.feedback', { message_id: userMessage.id, kind: 'answer_up' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringMatching(/no assistant reply/) } });

      // The first reply had no memories to distil: only its manager episode.
      const data = (await call(assistant, 'training.status', {})).data;
      expect(data).toMatchObject({ feedback: 5, new_feedback: 5, episodes: { manager: 2, answer: 1 } });
      // The latest signal per target: two operations reviewed, two replies rated (the corrected one then thumbed down).
      expect(data.readiness).toMatchObject({ manager: { reviews: 2, needed: 8 }, answer: { reviews: 2, needed: 8 } });
      for (const agent of ['manager', 'answer'] as const) expect(data.readiness[agent].more_reviews).toBe((8 - data.readiness[agent].held_out) * 5);
      // Turned off: nothing more is recorded.
      await call(assistant, 'training.configure', { enabled: false });
      await chat(assistant, 'These days I live in Porto, actually.');
      expect((await call(assistant, 'training.status', {})).data.episodes).toEqual({ manager: 2, answer: 1 });
    } finally {
      await assistant.close();
    }

    const [lisbon, rex] = turns as [(typeof turns)[0], (typeof turns)[0]];
    const data = await learningData(profileDir);
    expect(data.feedback.map((f) => [f.kind, f.target_id, f.value])).toEqual([
      ['op_accepted', lisbon.operations[0]!.op_id, 1],
      ['op_edited', rex.operations[0]!.op_id, 0],
      ['answer_up', lisbon.done.message_id, 1],
      ['answer_corrected', rex.done.message_id, -1],
      ['answer_down', rex.done.message_id, -1],
    ]);
    expect(data.feedback[3]!.payload).toEqual({ correction: 'You know I have a dog.' });

    const [managerEpisode] = data.manager;
    expect(data.manager.map((e) => e.target_id)).toEqual([lisbon.operations[0]!.op_id, rex.operations[0]!.op_id]);
    expect(managerEpisode).toMatchObject({ agent: 'manager', policy_version: 'prior', turn_id: lisbon.done.turn_id, action: [0], context: { fact: 'The user lives in Lisbon.', related: [] } });
    expect(managerEpisode!.prior.length).toBe(2); // ADD and NOOP: nothing related yet
    expect(managerEpisode!.features.length % managerEpisode!.prior.length).toBe(0);
    expect(Number.isFinite(managerEpisode!.log_prob) && managerEpisode!.log_prob < 0).toBe(true);

    const [answerEpisode] = data.answer;
    expect(answerEpisode).toMatchObject({ agent: 'answer', target_id: rex.done.message_id, turn_id: rex.done.turn_id, context: { question: 'I have a dog called Rex.', candidates: [{ text: 'The user lives in Lisbon.' }] } });
    expect(answerEpisode!.action).toEqual([1]); // the prior keeps the top candidates
  });

  it('profiles from before learning still open: the episodes table is created, settings without `learning` get the defaults', async () => {
    const profileDir = tempDir();
    await (await openAssistant(profileDir)).close();
    const connection = await lancedb.connect(join(profileDir, 'memory'));
    await connection.dropTable('episodes');
    connection.close();
    writeFileSync(join(profileDir, 'settings.json'), JSON.stringify({ chat_model: null, embedder: 'use-lite', device: 'auto', theme: 'dark' }));

    // A read-only open (the CLI's `memory search` while the app runs) needs no episodes table.
    const readOnly = await MemoryStore.open({ uri: join(profileDir, 'memory'), readOnly: true });
    expect(readOnly.tables.episodes).toBeNull();
    await readOnly.close();

    const assistant = await openAssistant(profileDir);
    try {
      expect((await call(assistant, 'training.status', {})).settings).toEqual({ enabled: false, algo: 'grpo', schedule_minutes: 60, min_new_feedback: 5, keep_versions: 5 });
      await call(assistant, 'training.configure', { enabled: true, keep_versions: 3 });
      await chat(assistant, 'I have a dog called Rex.');
      expect((await call(assistant, 'training.status', {})).data.episodes.manager).toBe(1);
      expect(await call(assistant, 'settings.get', {})).toMatchObject({ theme: 'dark' });
    } finally {
      await assistant.close();
    }
    expect(JSON.parse(readFileSync(join(profileDir, 'settings.json'), 'utf8'))).toMatchObject({ theme: 'dark', learning: { enabled: true, keep_versions: 3, algo: 'grpo' } });
  });
});
