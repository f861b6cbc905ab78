import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ANSWER_FEATURE_DIM } from '../../models/agents/answer-state.js';
import { CheckpointStore } from '../../models/rl/checkpoints.js';
import type { PolicyProvenance } from '../../models/rl/provenance.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';
import { exited, spawnScript, waitForLine } from '../helpers/child-process.js';
import { runMemr1 } from '../helpers/memr1-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/locomo-mini.json', import.meta.url));
const tempDir = useTempDirs();

interface Installed {
  agent: string;
  version: string;
  from: { folder: string; version: string };
  provenance: PolicyProvenance;
}
interface Shown {
  agent: string;
  current: string | null;
  in_use: string;
  provenance: PolicyProvenance | null;
  versions: Array<{ version: string }>;
}

async function json<T>(home: string, ...args: string[]): Promise<T> {
  const result = await runMemr1(home, [...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** Expects a clean refusal: exit 2, the code, and nothing installed. */
async function refused(home: string, args: string[], code: string, says: RegExp): Promise<void> {
  const result = await runMemr1(home, args);
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(new RegExp(`\\[${code}\\]`));
  expect(result.stderr).toMatch(says);
}

describe('memr1 train --install, policy install and policy show (the CLI, as a separate process)', () => {
  it('installs LoCoMo-trained policies with their provenance; ask reports both versions; show prints them', async () => {
    const home = tempDir();
    const checkpoints = join(home, 'ckpt');
    const profile = join(home, 'profiles', 'default');
    const out = await json<{ trained: Array<{ agent: string; version: string; validation_chosen: { eval: Record<string, number> } }>; installed: Installed[] }>(
      home,
      ...['train', '--data', FIXTURE, '--agent', 'both', '--algo', 'grpo', '--steps', '2', '--checkpoints', checkpoints, '--install'],
    );
    expect(out.installed.map((i) => [i.agent, i.version, i.from.version])).toEqual([
      ['manager', 'v0001', 'v0001'],
      ['answer', 'v0001', 'v0001'],
    ]);
    const sha = createHash('sha256').update(readFileSync(FIXTURE)).digest('hex');
    for (const [i, item] of out.installed.entries()) {
      expect(item.provenance).toMatchObject({
        source: 'locomo',
        data_file: 'locomo-mini.json',
        data_sha256: sha,
        split: { train: ['conv-26'], validation: ['conv-30'], test: ['conv-41'] },
        algorithm: 'grpo',
        seed: 7,
        prior: item.agent === 'manager' ? 'heuristic' : 'retrieval',
        validation: out.trained[i]!.validation_chosen.eval,
        installed_from: join(checkpoints, 'grpo', item.agent),
        licence: expect.stringMatching(/non-commercial/),
      });
      expect(item.provenance.recipe).toMatchObject({ steps: 2, bank_budget: 0.3 });
    }

    const asked = await json<{ policy_version: Record<string, string> }>(home, 'ask', '--query', 'Where does Caroline live?');
    expect(asked.policy_version).toEqual({ manager: 'v0001', answer: 'v0001' });

    // Installing the same folder again, then one agent's folder: new versions, each made current.
    await json(home, 'policy', 'install', join(checkpoints, 'grpo'));
    const single = await json<{ installed: Installed[] }>(home, 'policy', 'install', join(checkpoints, 'grpo', 'answer'));
    expect(single.installed.map((i) => [i.agent, i.version])).toEqual([['answer', 'v0003']]);
    const shown = await json<Shown[]>(home, 'policy', 'show');
    expect(shown.map((s) => [s.agent, s.current, s.in_use, s.versions.length])).toEqual([
      ['manager', 'v0002', 'v0002', 2],
      ['answer', 'v0003', 'v0003', 3],
    ]);
    expect(shown[1]!.provenance).toMatchObject({ source: 'locomo', data_sha256: sha });
    const text = await runMemr1(home, ['policy', 'show', '--agent', 'answer']);
    expect(text.stdout).toMatch(/^answer: v0003 in use, locomo on locomo-mini\.json \(sha256 [0-9a-f]{12}…\), GRPO seed 7, prior retrieval; trained /);
    expect(text.stdout).toMatch(/\n\* v0003 {2}grpo locomo/);

    // Refusals: exit 2 with a code and what to do; the profile's versions stay as they were.
    const versionsBefore = readdirSync(join(profile, 'policies', 'answer')).sort();
    const empty = join(home, 'empty');
    mkdirSync(empty);
    await refused(home, ['policy', 'install', empty], 'NOTHING_TO_INSTALL', /holds no checkpoint; train one with `memr1 train --data locomo10\.json --agent both --install`/);
    await refused(home, ['policy', 'install', join(home, 'nope')], 'NOTHING_TO_INSTALL', /is not a folder/);

    const damaged = join(home, 'damaged', 'answer');
    cpSync(join(checkpoints, 'grpo', 'answer'), damaged, { recursive: true });
    const weights = join(damaged, 'v0001', 'policy', 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(weights, bytes);
    await refused(home, ['policy', 'install', join(home, 'damaged')], 'CORRUPT', /fails its sha256 check.*train it again/);

    await ensureTfBackend();
    const wrongSize = join(home, 'wrong-size');
    const net = tf.sequential({ layers: [tf.layers.dense({ inputShape: [ANSWER_FEATURE_DIM + 1], units: 1 })] });
    await new CheckpointStore(join(wrongSize, 'answer')).save(
      { policy: net },
      { agent: 'answer', algo: 'grpo', step: 1, parent: null, feature_dim: ANSWER_FEATURE_DIM + 1, metrics: {}, provenance: { source: 'synthetic', algorithm: 'grpo', prior: 'retrieval' } },
    );
    await refused(home, ['policy', 'install', wrongSize], 'FEATURE_DIM_MISMATCH', /trained for 29 features but the answer now has 28; train it again/);

    // The app (here: a process holding the profile's memory database) has the profile open.
    const holder = spawnScript('test/fixtures/hold-profile-child.ts', [join(profile, 'memory')]);
    try {
      await waitForLine(holder, (line) => line === 'holding');
      await refused(home, ['policy', 'install', join(checkpoints, 'grpo')], 'PROFILE_LOCKED', /cannot install policies while the profile is open .*close that app or command/);
    } finally {
      holder.kill('SIGKILL');
      await exited(holder);
    }
    expect(readdirSync(join(profile, 'policies', 'answer')).sort()).toEqual(versionsBefore);
  });
});
