import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { startWebServer } from '../../models/api/http-server.js';
import type { AgentRunResult, TrainingEvent } from '../../models/contract/learning-schemas.js';
import type { ChatEvent } from '../../models/contract/schemas.js';
import { call, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { idsOn, seedLearningData, type AnswerCase, type ManagerCase } from '../helpers/learning-data.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { postApi, sseEvents } from '../helpers/web-client.js';

const tempDir = useTempDirs();

async function openAssistant(profileDir: string, options: Partial<Parameters<typeof Assistant.open>[0]> = {}) {
  return Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel(), ...options });
}

const managerCases = (prefix: string, side: 'train' | 'held-out', count: number, prior: 'ADD' | 'DELETE', review: ManagerCase['review']) =>
  idsOn(side, count, `${prefix}-${prior}-${review}`).map((id): ManagerCase => ({ id, prior, review }));

/** The user always rejects the manager's DELETEs and accepts its ADDs: moving off DELETE is clearly right. */
const rejectsDeletes = (prefix: string): ManagerCase[] => [
  ...managerCases(prefix, 'train', 12, 'DELETE', 'op_rejected'),
  ...managerCases(prefix, 'train', 12, 'ADD', 'op_accepted'),
  ...managerCases(prefix, 'held-out', 4, 'DELETE', 'op_rejected'),
  ...managerCases(prefix, 'held-out', 4, 'ADD', 'op_accepted'),
];

/** Corrections that only the top candidate supports, where the prior keeps the top four: keeping fewer is clearly right. */
const correctsToTopOne = (prefix: string): AnswerCase[] => [...idsOn('train', 12, prefix), ...idsOn('held-out', 8, prefix)].map((id) => ({ id }));

async function train(assistant: Assistant, input: { agents?: Array<'manager' | 'answer'> } = {}): Promise<TrainingEvent[]> {
  return (await streamEvents(assistant, 'training.start', input)) as TrainingEvent[];
}

const resultOf = (events: readonly TrainingEvent[], agent: string): AgentRunResult => {
  const found = events.flatMap((e) => (e.type === 'result' && e.result.agent === agent ? [e.result] : []));
  if (found.length !== 1) throw new Error(`expected one ${agent} result in ${JSON.stringify(events.filter((e) => e.type !== 'step'))}`);
  return found[0]!;
};

async function chatOrigins(assistant: Assistant, text: string): Promise<string[]> {
  const events = (await streamEvents(assistant, 'chat.send', { text })) as ChatEvent[];
  return events.flatMap((e) => (e.type === 'operations' ? e.operations.map((op) => op.origin) : []));
}

describe('a training run through the API (real worker thread, real checkpoints)', () => {
  it('GRPO: both agents learn from the feedback; better candidates are promoted, kept as versions and used from the next turn', async () => {
    const profileDir = tempDir();
    await seedLearningData(profileDir, await realEmbedder(), { manager: rejectsDeletes('grpo'), answer: correctsToTopOne('grpo-answer') });
    const assistant = await openAssistant(profileDir);
    try {
      const refused = await train(assistant);
      expect(refused).toEqual([{ type: 'error', code: 'CONFLICT', message: expect.stringMatching(/learning is off/) }]);

      await call(assistant, 'training.configure', { enabled: true, algo: 'grpo', schedule_minutes: 0 });
      const events = await train(assistant);
      expect(events[0]).toMatchObject({ type: 'started', run: { state: 'running', algo: 'grpo', trigger: 'manual' } });
      expect(events.at(-1)).toMatchObject({ type: 'done', run: { state: 'finished', progress: { done: 60, total: 60 }, message: null } });
      const steps = events.filter((e) => e.type === 'step');
      expect(steps.map((e) => e.point.agent)).toEqual([...Array(30).fill('manager'), ...Array(30).fill('answer')]);
      expect(steps.at(-1)).toMatchObject({ progress: { done: 60, total: 60 } });

      // Held-out: 4 DELETEs rejected and 4 ADDs accepted, taken by the prior: the policy in use scores 0 on them
      // (self-normalised importance sampling); a candidate that moved off DELETE scores toward +1.
      const manager = resultOf(events, 'manager');
      expect(manager).toMatchObject({ outcome: 'promoted', candidate_version: 'v0002', current_version: 'v0002', scores: { current: { heldout_value: 0 } } });
      expect(manager.scores.candidate.heldout_value).toBeGreaterThan(0.5);
      expect(manager.scores.candidate.heldout_lead_lower_bound).toBeGreaterThan(0);
      expect(manager.reason).toMatch(/^promoted: on 8 held-out review\(s\) the candidate scores [01]\.\d{3} against 0\.000 for the version in use; with 90 % confidence its lead is at least \+0\.\d{3}$/);
      const answer = resultOf(events, 'answer');
      expect(answer).toMatchObject({ outcome: 'promoted', candidate_version: 'v0002' });
      // The keep/drop prior keeps all 10 candidates; each correction judges the one supporting candidate +1, the 9 others -1.
      expect(answer.scores.current.heldout_value).toBeCloseTo(-0.8, 5);
      expect(answer.scores.candidate.heldout_value).toBeGreaterThan(-0.8);

      const status = await call(assistant, 'training.status', {});
      expect(status).toMatchObject({ running: null, current_versions: { manager: 'v0002', answer: 'v0002' }, data: { feedback: 52, new_feedback: 0, episodes: { manager: 32, answer: 20 } }, warnings: [] });
      expect(status.data.readiness).toEqual({ manager: { reviews: 32, held_out: 8, needed: 8, more_reviews: 0 }, answer: { reviews: 20, held_out: 8, needed: 8, more_reviews: 0 } });
      expect(status.last_run).toEqual((events.at(-1) as Extract<TrainingEvent, { type: 'done' }>).run);
      const versions = (await call(assistant, 'training.versions', { agent: 'manager' })).items;
      expect(versions).toMatchObject([
        { version: 'v0002', algo: 'grpo', parent: 'v0001', step: 30, current: true, problem: null, metrics: { heldout_value: manager.scores.candidate.heldout_value } },
        { version: 'v0001', algo: 'prior', parent: null, step: 0, current: false, problem: null },
      ]);
      const metrics = await call(assistant, 'training.metrics', {});
      expect(metrics.run_id).toBe(status.last_run!.run_id);
      expect(metrics.points).toEqual(steps.map((e) => e.point));
      expect(await assistant.dispatch('training.metrics', { run_id: 'run-none' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

      // Hot-swapped: the next turn's operations come from the promoted manager.
      expect(await chatOrigins(assistant, 'I have a dog called Rex.')).toEqual(['manager@v0002']);

      // Rollback (the UI's): back to the saved prior, in use at once; nothing older to go back to after that.
      expect(await call(assistant, 'training.rollback', { agent: 'manager' })).toEqual({ agent: 'manager', version: 'v0001' });
      expect((await call(assistant, 'training.status', {})).current_versions).toEqual({ manager: 'v0001', answer: 'v0002' });
      expect((await call(assistant, 'training.versions', { agent: 'manager' })).items.map((v) => [v.version, v.current])).toEqual([
        ['v0002', false],
        ['v0001', true],
      ]);
      expect(await chatOrigins(assistant, 'I moved to Lisbon last spring.')).toEqual(['manager@v0001']);
      expect(await assistant.dispatch('training.rollback', { agent: 'manager' })).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: expect.stringMatching(/no good version older than v0001/) } });
    } finally {
      await assistant.close();
    }
    // The CLI's rollback works on the profile's policies too (with the app closed).
    const cli = execFileSync(process.execPath, ['bin/memr1.js', 'policy', 'rollback', '--agent', 'answer', '--policies', join(profileDir, 'policies'), '--json'], { encoding: 'utf8' });
    expect(JSON.parse(cli)).toEqual({ agent: 'answer', current: 'v0001' });
    const reopened = await openAssistant(profileDir);
    expect((await call(reopened, 'training.status', {})).current_versions).toEqual({ manager: 'v0001', answer: 'v0001' });
    await reopened.close();
  });

  it('PPO: the better candidate is promoted too; chat turns meanwhile are served (the worker backs off)', async () => {
    const profileDir = tempDir();
    await seedLearningData(profileDir, await realEmbedder(), { manager: rejectsDeletes('ppo') });
    const assistant = await openAssistant(profileDir);
    try {
      await call(assistant, 'training.configure', { enabled: true, algo: 'ppo' });
      const running = train(assistant, { agents: ['manager'] });
      expect(await chatOrigins(assistant, 'I have a dog called Rex.')).toEqual(['manager@prior']);
      const events = await running;
      expect(events.at(-1)).toMatchObject({ type: 'done', run: { algo: 'ppo', state: 'finished' } });
      expect(resultOf(events, 'manager')).toMatchObject({ outcome: 'promoted', scores: { current: { heldout_value: 0 }, candidate: { heldout_value: expect.any(Number) } } });
      expect((await call(assistant, 'training.versions', { agent: 'manager' })).items[0]).toMatchObject({ version: 'v0002', algo: 'ppo', current: true });
    } finally {
      await assistant.close();
    }
  });

  it('a candidate that is worse on held-out feedback is kept out; an agent with too little feedback is skipped', async () => {
    const profileDir = tempDir();
    // Flipped feedback: training rejects ADDs and accepts DELETEs, the held-out reviews say the opposite: what the candidate learns fails the gate.
    const contradicted = [
      ...managerCases('worse', 'train', 8, 'ADD', 'op_rejected'),
      ...managerCases('worse', 'train', 8, 'DELETE', 'op_accepted'),
      ...managerCases('worse', 'held-out', 4, 'ADD', 'op_accepted'),
      ...managerCases('worse', 'held-out', 4, 'DELETE', 'op_rejected'),
    ];
    await seedLearningData(profileDir, await realEmbedder(), { manager: contradicted, answer: correctsToTopOne('few').slice(0, 2) });
    const assistant = await openAssistant(profileDir);
    try {
      await call(assistant, 'training.configure', { enabled: true });
      const events = await train(assistant);
      expect(resultOf(events, 'manager')).toMatchObject({
        outcome: 'kept_current',
        candidate_version: null,
        current_version: 'prior',
        reason: expect.stringMatching(/^not promoted: on 8 held-out review\(s\) the candidate scores -?[01]\.\d{3} against 0\.000 for the version in use; with 90 % confidence its lead is at least −[01]\.\d{3}, so it is not shown to be better$/),
      });
      expect(resultOf(events, 'answer')).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/too little feedback: 2 labelled episode\(s\).*Rate or correct more replies/) });
      expect(events.at(-1)).toMatchObject({ type: 'done', run: { state: 'finished' } });
      expect((await call(assistant, 'training.versions', { agent: 'manager' })).items).toEqual([]);
      expect((await call(assistant, 'training.status', {})).current_versions).toEqual({ manager: 'prior', answer: 'prior' });
    } finally {
      await assistant.close();
    }
  });

  it('deletes the learning data (feedback and episodes, from the disk too) and keeps memories and policies', async () => {
    const profileDir = tempDir();
    await seedLearningData(profileDir, await realEmbedder(), { manager: rejectsDeletes('delete') });
    const grep = () => execFileSync('grep', ['-rl', 'talked about tea again', join(profileDir, 'memory')], { encoding: 'utf8' }).trim();
    expect(grep()).not.toBe('');
    const assistant = await openAssistant(profileDir);
    try {
      await call(assistant, 'memory.add', { text: 'The user drinks green tea.' });
      expect(await call(assistant, 'training.delete_data', {})).toEqual({ feedback: 32, episodes: 32 });
      expect((await call(assistant, 'training.status', {})).data).toMatchObject({ feedback: 0, new_feedback: 0, episodes: { manager: 0, answer: 0 } });
      expect((await call(assistant, 'memory.list', {})).total).toBe(1);
      expect(() => grep()).toThrow(); // grep finds nothing: exit status 1
    } finally {
      await assistant.close();
    }
  });

  it('runs on its schedule once enough new feedback came in', async () => {
    const profileDir = tempDir();
    await seedLearningData(profileDir, await realEmbedder(), { manager: rejectsDeletes('schedule') });
    // A scheduled "minute" of 100 ms.
    const assistant = await openAssistant(profileDir, { learning: { minuteMs: 100 } });
    try {
      expect((await call(assistant, 'training.status', {})).next_run_at).toBeNull(); // learning off: no schedule
      const status = await call(assistant, 'training.configure', { enabled: true, schedule_minutes: 1, min_new_feedback: 32 });
      expect(status.next_run_at).not.toBeNull();
      expect(status.data.new_feedback).toBe(32);
      let last = status.last_run;
      for (let i = 0; i < 600 && last?.state !== 'finished'; i++) {
        await sleep(100);
        last = (await call(assistant, 'training.status', {})).last_run;
      }
      expect(last).toMatchObject({ trigger: 'schedule', state: 'finished', results: [{ agent: 'answer', outcome: 'skipped' }, { agent: 'manager', outcome: 'promoted' }] });
      // No new feedback since: later ticks start nothing.
      await sleep(500);
      expect((await call(assistant, 'training.status', {})).last_run?.run_id).toBe(last!.run_id);
      expect((await call(assistant, 'training.configure', { schedule_minutes: 0 })).next_run_at).toBeNull();
    } finally {
      await assistant.close();
    }
  });

  it('streams a run over HTTP as Server-Sent Events', async () => {
    const profileDir = tempDir();
    await seedLearningData(profileDir, await realEmbedder(), { manager: rejectsDeletes('http') });
    const assistant = await openAssistant(profileDir);
    const server = await startWebServer({ assistant, staticDir: join(profileDir, 'no-ui') });
    try {
      expect(await (await postApi(server, 'training.configure', { enabled: true })).json()).toMatchObject({ settings: { enabled: true } });
      const response = await postApi(server, 'training.start', { agents: ['manager'] });
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const types: string[] = [];
      for await (const event of sseEvents(response)) types.push(event.type);
      expect(types).toEqual(['started', ...Array(30).fill('step'), 'result', 'done']);
      const versions = (await (await postApi(server, 'training.versions', { agent: 'manager' })).json()) as { items: Array<{ version: string }> };
      expect(versions.items.map((v) => v.version)).toEqual(['v0002', 'v0001']);
    } finally {
      await server.close();
      await assistant.close();
    }
  });
});
