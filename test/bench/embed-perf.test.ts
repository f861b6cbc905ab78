import { afterAll, describe, expect, it } from 'vitest';
import { measureEmbedding } from '../../models/bench/embed-perf.js';
import { UseLitePool } from '../../models/embed/use-lite-pool.js';

describe('bench perf --only embed', () => {
  // Default priority: beside other test files a background pool would wait its turn for the cores.
  const pool = UseLitePool.start(2);
  afterAll(() => pool.dispose());

  it('measures the pool against the TF.js reference and the calling thread, the query gaps against the idle ticker, and says how the workers run', async () => {
    const figures = await measureEmbedding(pool, 48);
    expect(figures).toMatchObject({ workers: 2, sentences: 48, embedder: pool.id, backend: 'onnxruntime-cpu', workers_priority: (await pool.priority()).reason });
    expect(['wasm', 'tensorflow', 'cpu']).toContain(figures.reference_backend);
    expect(figures.speedup).toBeCloseTo(figures.sentences_per_s / figures.reference_sentences_per_s, 1);
    for (const gap of [figures.query_block_p99_ms, figures.query_block_max_ms, figures.idle_block_max_ms, figures.single_thread_query_block_max_ms]) {
      expect(Number.isFinite(gap) && gap >= 0).toBe(true);
    }
    if (process.platform === 'linux') {
      // The part of the longest gap spent running code cannot exceed the gap; waiting for a core is never negative.
      expect(figures.query_block_busy_max_ms).toBeGreaterThanOrEqual(0);
      expect(figures.query_block_busy_max_ms!).toBeLessThanOrEqual(figures.query_block_max_ms + 0.1);
      expect(figures.query_run_queue_ms).toBeGreaterThanOrEqual(0);
    }
  });
});
