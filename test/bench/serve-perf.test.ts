import { describe, expect, it } from 'vitest';
import { measureServe } from '../../models/bench/serve-perf.js';
import { realEmbedder } from '../helpers/embedder.js';

describe('bench perf --only serve', () => {
  it('runs searches over the API and MCP and chat turns at once against a real server, and reports each kind', async () => {
    const stages = new Set<string>();
    const figures = await measureServe(await realEmbedder(), 200, 4, 2, (stage) => stages.add(stage));
    expect(figures).toMatchObject({ memories: 200, concurrency: 4, rounds: 2 });
    for (const kind of ['search', 'first_token'] as const) {
      expect(figures[`${kind}_p50_ms`]).toBeGreaterThan(0);
      expect(figures[`${kind}_p95_ms`]).toBeGreaterThanOrEqual(figures[`${kind}_p50_ms`]);
    }
    expect(stages).toContain('serve: concurrent rounds');
  });
});
