import { describe, expect, it } from 'vitest';
import { measureServe } from '../../models/bench/serve-perf.js';
import { realEmbedder } from '../helpers/embedder.js';

describe('bench perf --only serve', () => {
  it('runs searches over the API and MCP and chat turns at once against a real server, and reports each kind', async () => {
    const stages = new Set<string>();
    const figures = await measureServe(await realEmbedder(), 200, 4, 2, (stage) => stages.add(stage));
    expect(figures).toMatchObject({ memories: 200, concurrency: 4, rounds: 2 });
    // Each kind was measured (an empty sample reads NaN); the figures themselves belong to the bench.
    for (const figure of ['search_p50_ms', 'search_p95_ms', 'first_token_p50_ms', 'first_token_p95_ms'] as const) expect(Number.isFinite(figures[figure])).toBe(true);
    expect(stages).toContain('serve: concurrent rounds');
  });
});
