import { describe, expect, it } from 'vitest';
import { floorTopK } from '../../models/bench/scan-floor.js';
import { TopicVectors } from '../../models/bench/synthetic-vectors.js';

describe('the floor scan (the benchmark yardstick)', () => {
  it('returns the exact top-k by dot product, best first, as a full sort does', () => {
    const dimension = 48;
    const vectors = new TopicVectors(dimension, 5, 3);
    const count = 500;
    const rows = new Float32Array(count * dimension);
    for (let i = 0; i < count; i++) rows.set(vectors.next(), i * dimension);
    for (const k of [1, 7, 60, 500, 600]) {
      const query = vectors.next();
      const dot = (r: number) => {
        let sum = 0;
        for (let i = 0; i < dimension; i++) sum += query[i]! * rows[r * dimension + i]!;
        return sum;
      };
      const sorted = Array.from({ length: count }, (_, r) => r).sort((a, b) => dot(b) - dot(a) || a - b);
      expect(floorTopK(rows, dimension, query, k)).toEqual(sorted.slice(0, k));
    }
  });
});
