import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import type { TrainingEvent } from '../../models/contract/learning-schemas.js';
import type { ChatEvent } from '../../models/contract/schemas.js';
import { call, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { idsOn, seedLearningData, type ManagerCase } from '../helpers/learning-data.js';
import { disk } from '../helpers/full-disk.js';
import { useTempDirs } from '../helpers/temp-dir.js';

// A full disk on demand: a file that `disk.fullAt` picks gets half its bytes written, then ENOSPC.
vi.mock('node:fs/promises', async (importOriginal) => (await import('../helpers/full-disk.js')).withFullDisk(await importOriginal()));

const tempDir = useTempDirs();
const CRASHING_WORKER = fileURLToPath(new URL('../fixtures/learning/crashing-update-worker.mjs', import.meta.url));

async function openAssistant(profileDir: string, options: Partial<Parameters<typeof Assistant.open>[0]> = {}) {
  return Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel(), ...options });
}

/** A profile with manager feedback a run learns from (rejected DELETEs, accepted ADDs), learning on. */
async function trainableProfile(): Promise<string> {
  const profileDir = tempDir();
  const cases = (side: 'train' | 'held-out', count: number, prior: 'ADD' | 'DELETE') =>
    idsOn(side, count, `fault-${prior}`).map((id): ManagerCase => ({ id, prior, review: prior === 'DELETE' ? 'op_rejected' : 'op_accepted' }));
  await seedLearningData(profileDir, await realEmbedder(), { manager: [...cases('train', 12, 'DELETE'), ...cases('train', 12, 'ADD'), ...cases('held-out', 4, 'DELETE'), ...cases('held-out', 4, 'ADD')] });
  writeFileSync(join(profileDir, 'settings.json'), JSON.stringify({ learning: { enabled: true, schedule_minutes: 0 } }));
  return profileDir;
}

const train = async (assistant: Assistant) => (await streamEvents(assistant, 'training.start', { agents: ['manager'] })) as TrainingEvent[];

async function chatOrigins(assistant: Assistant, text: string): Promise<string[]> {
  const events = (await streamEvents(assistant, 'chat.send', { text })) as ChatEvent[];
  return events.flatMap((e) => (e.type === 'operations' ? e.operations.map((op) => op.origin) : []));
}

const doneRun = (events: readonly TrainingEvent[]) => (events.at(-1) as Extract<TrainingEvent, { type: 'done' }>).run;

describe('faults during an update leave the policies in use intact', () => {
  it('a worker stopped mid-run: the run is `stopped`, the current policy stays usable, and the next run succeeds', async () => {
    const assistant = await openAssistant(await trainableProfile());
    try {
      const events: TrainingEvent[] = [];
      let stopping: Promise<unknown> | undefined;
      await assistant.dispatch('training.start', { agents: ['manager'] }, (event) => {
        events.push(event as TrainingEvent);
        if ((event as TrainingEvent).type === 'step') stopping ??= call(assistant, 'training.stop', {});
      });
      expect(await stopping).toMatchObject({ running: null, last_run: { state: 'stopped', message: 'stopped by the user' } });
      expect(events.map((e) => e.type).filter((t) => t !== 'step')).toEqual(['started', 'done']);
      expect(doneRun(events)).toMatchObject({ state: 'stopped', results: [] });
      expect(doneRun(events).progress.done).toBeLessThan(30);
      expect((await call(assistant, 'training.status', {})).current_versions.manager).toBe('prior');
      expect(await chatOrigins(assistant, 'I have a dog called Rex.')).toEqual(['manager@prior']);

      const again = await train(assistant);
      expect(doneRun(again)).toMatchObject({ state: 'finished', results: [{ agent: 'manager', outcome: 'promoted', current_version: 'v0002' }] });
    } finally {
      await assistant.close();
    }
  });

  it('a worker that dies mid-run: the run is `interrupted`; a run cut short by a crash of the app is reported `interrupted` at the next start', async () => {
    const profileDir = await trainableProfile();
    const assistant = await openAssistant(profileDir, { learning: { workerFile: CRASHING_WORKER } });
    try {
      const run = doneRun(await train(assistant));
      expect(run).toMatchObject({ state: 'interrupted', message: expect.stringMatching(/update worker stopped unexpectedly \(exit code 3\); the policies in use are unchanged/) });
      expect(await chatOrigins(assistant, 'I have a dog called Rex.')).toEqual(['manager@prior']);
    } finally {
      await assistant.close();
    }
    // The app killed during a run leaves its record `running`: the next start reports it interrupted.
    const runsDir = join(profileDir, 'learning', 'runs');
    const [file] = readdirSync(runsDir);
    const record = JSON.parse(readFileSync(join(runsDir, file!), 'utf8'));
    writeFileSync(join(runsDir, file!), JSON.stringify({ ...record, run: { ...record.run, state: 'running', finished_at: null } }));
    const reopened = await openAssistant(profileDir);
    try {
      expect((await call(reopened, 'training.status', {})).last_run).toMatchObject({ state: 'interrupted', message: expect.stringMatching(/crashed or was killed/) });
    } finally {
      await reopened.close();
    }
  });

  it('a corrupt current checkpoint is detected, skipped (the older good version is used), reported, and training starts from the good one', async () => {
    const profileDir = await trainableProfile();
    const first = await openAssistant(profileDir);
    await train(first); // v0001: the prior, v0002: the trained manager
    await first.close();
    const weights = join(profileDir, 'policies', 'manager', 'v0002', 'policy', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(weights, bytes);

    const assistant = await openAssistant(profileDir);
    try {
      const status = await call(assistant, 'training.status', {});
      expect(status.current_versions.manager).toBe('v0001');
      expect(status.warnings.join('\n')).toMatch(/checkpoint v0002 \(current\) is unusable: policy\/weights\.bin fails its sha256 check/);
      expect((await call(assistant, 'training.versions', { agent: 'manager' })).items).toMatchObject([
        { version: 'v0002', current: false, problem: expect.stringMatching(/^damaged, skipped: policy\/weights\.bin fails its sha256 check/) },
        { version: 'v0001', current: true, problem: null },
      ]);
      expect(await chatOrigins(assistant, 'I have a dog called Rex.')).toEqual(['manager@v0001']);

      const run = doneRun(await train(assistant));
      expect(run.results).toMatchObject([{ agent: 'manager', outcome: 'promoted', candidate_version: 'v0003' }]);
      const versions = (await call(assistant, 'training.versions', { agent: 'manager' })).items;
      expect(versions.map((v) => [v.version, v.parent, v.current, v.problem])).toEqual([
        ['v0003', 'v0001', true, null],
        ['v0001', null, false, null],
      ]); // the damaged version was pruned
      expect((await call(assistant, 'training.status', {})).warnings).toEqual([]);
    } finally {
      await assistant.close();
    }
  });

  it('a full disk while the candidate is saved: the run fails with the reason, and the previous version stays current', async () => {
    const profileDir = await trainableProfile();
    // A short first run promotes a version that has only begun to move off DELETE (v0002), so the full run
    // after it is better still and passes the gate: its save is the one the disk refuses.
    const first = await openAssistant(profileDir, { learning: { recipes: { grpo: { steps: 2, batchSize: 16, evalEvery: 2, grpo: { learningRate: 0.02 } } } } });
    try {
      expect(doneRun(await train(first)).results).toMatchObject([{ outcome: 'promoted', candidate_version: 'v0002' }]);
    } finally {
      await first.close();
    }
    const assistant = await openAssistant(profileDir);
    try {
      disk.fullAt = (path) => path.endsWith('weights.bin');
      const run = doneRun(await train(assistant));
      expect(run).toMatchObject({
        state: 'failed',
        message: expect.stringMatching(/^manager: the candidate passed the gate but could not be saved: could not save checkpoint v0003 .*ENOSPC.*the disk is full; free some space and train again; the current version is v0002$/),
        results: [{ agent: 'manager', outcome: 'failed', candidate_version: null, current_version: 'v0002' }],
      });
    } finally {
      disk.fullAt = undefined;
    }
    try {
      expect(readdirSync(join(profileDir, 'policies', 'manager')).sort()).toEqual(['current', 'v0001', 'v0002']);
      expect((await call(assistant, 'training.status', {})).current_versions.manager).toBe('v0002');
      expect(await chatOrigins(assistant, 'I have a dog called Rex.')).toEqual(['manager@v0002']);
    } finally {
      await assistant.close();
    }
  });
});
