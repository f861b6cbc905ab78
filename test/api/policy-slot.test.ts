import { describe, expect, it } from 'vitest';
import { PolicySlot } from '../../models/agents/policy-slot.js';
import { CategoricalPolicy } from '../../models/rl/categorical-policy.js';
import { ensureTfBackend } from '../../models/util/tf-backend.js';

const loaded = (version: string) => ({ policy: CategoricalPolicy.create(4), version, warnings: [] });
const state = { features: new Float32Array(8), prior: Float32Array.of(1, 0) };

describe('PolicySlot: the policy in use, replaceable while the app runs', () => {
  it('a turn keeps the policy it started with; a replaced one is freed once no turn holds it', async () => {
    await ensureTfBackend();
    const [first, second] = [loaded('v0001'), loaded('v0002')];
    const slot = new PolicySlot(first);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const turn = slot.use(async ({ policy, version }) => {
      await held;
      return [version, policy.greedy(state)]; // still usable after the replacement
    });
    slot.replace(second);
    expect(slot.version).toBe('v0002');
    expect(first.policy.net.layers.length).toBeGreaterThan(0);
    release();
    expect(await turn).toEqual(['v0001', 0]);
    expect(() => first.policy.greedy(state)).toThrow(/disposed/);
    expect(await slot.use(({ version }) => version)).toBe('v0002');
    slot.dispose();
    expect(() => second.policy.greedy(state)).toThrow(/disposed/);
  });
});
