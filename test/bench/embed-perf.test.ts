import { afterAll, describe, expect, it } from 'vitest';
import { measureEmbedding } from '../../models/bench/embed-perf.js';
import { UseLitePool } from '../../models/embed/use-lite-pool.js';

describe('bench perf --only embed', () => {
  // Default priority: beside other test files a background pool would wait its turn for the cores.
  const pool = UseLitePool.start(2);
  afterAll(() => pool.dispose());

  it('measures the pool against the calling thread and the query gaps against the idle ticker, and says how the workers run', async () => {
    const figures = await measureEmbedding(pool, 48);
    expect(figures).toMatchObject({ workers: 2, sentences: 48, embedder: pool.id, workers_priority: (await pool.priority()).reason });
    expect(figures.speedup).toBeCloseTo(figures.sentences_per_s / figures.single_thread_sentences_per_s, 1);
    for (const gap of [figures.query_block_p99_ms, figures.query_block_max_ms, figures.idle_block_max_ms, figures.single_thread_query_block_max_ms]) {
      expect(Number.isFinite(gap) && gap >= 0).toBe(true);
    }
  });
});
