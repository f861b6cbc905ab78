import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realEmbedder } from '../helpers/embedder.js';
import { idsOn, seedLearningData, type ManagerCase } from '../helpers/learning-data.js';
import { runMemr1 } from '../helpers/memr1-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('memr1 learn (the updater without the UI; the built CLI)', () => {
  it('set, now, status, then policy show and rollback on the same profile', async () => {
    const home = tempDir();
    const profile = join(home, 'profiles', 'default');
    const cases = (side: 'train' | 'held-out', count: number, prior: 'ADD' | 'DELETE') =>
      idsOn(side, count, `cli-${prior}`).map((id): ManagerCase => ({ id, prior, review: prior === 'DELETE' ? 'op_rejected' : 'op_accepted' }));
    await seedLearningData(profile, await realEmbedder(), { manager: [...cases('train', 10, 'DELETE'), ...cases('train', 10, 'ADD'), ...cases('held-out', 4, 'DELETE'), ...cases('held-out', 4, 'ADD')] });

    const refused = await runMemr1(home, ['learn', 'now']);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/learning is off: turn it on first/) });

    const set = await runMemr1(home, ['learn', 'set', '--enabled', 'on', '--algo', 'ppo', '--schedule', '0', '--json']);
    expect(JSON.parse(set.stdout)).toEqual({ enabled: true, algo: 'ppo', schedule_minutes: 0, min_new_feedback: 5, keep_versions: 5 });

    const now = await runMemr1(home, ['learn', 'now', '--agents', 'manager', '--json']);
    expect(now.code).toBe(0);
    expect(JSON.parse(now.stdout)).toMatchObject({ state: 'finished', algo: 'ppo', results: [{ agent: 'manager', outcome: 'promoted', current_version: 'v0002' }] });

    const status = await runMemr1(home, ['learn', 'status']);
    expect(status.stdout).toMatch(/^learning: on, PPO, on demand only, keeping 5 versions\ndata: 28 feedback signals \(0 new\), episodes: manager 28, answer 0\nheld out to judge a candidate: manager 8 of 8 reviews, answer 0 of 8 reviews \(about 40 more to go\)\nin use: manager v0002, answer prior\nlast run: run-\S+ finished manager promoted$/m);

    const show = JSON.parse((await runMemr1(home, ['policy', 'show', '--agent', 'manager', '--json'])).stdout);
    expect(show).toMatchObject({ agent: 'manager', current: 'v0002', versions: [{ version: 'v0001', algo: 'prior' }, { version: 'v0002', algo: 'ppo' }] });
    expect(JSON.parse((await runMemr1(home, ['policy', 'rollback', '--agent', 'manager', '--json'])).stdout)).toEqual({ agent: 'manager', current: 'v0001' });
    expect((await runMemr1(home, ['learn', 'status', '--json'])).stdout).toMatch(/"manager": "v0001"/);
  });
});
