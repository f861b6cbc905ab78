import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';
import { describe, expect, it } from 'vitest';
import { DOT_PRODUCTS_WASM } from '../../models/memory/kernel/dot-products-wasm.js';
import { VectorMatrix } from '../../models/memory/kernel/vector-matrix.js';
import { mulberry32 } from '../../models/util/seeded-random.js';

const WAT = new URL('../../models/memory/kernel/dot-products.wat', import.meta.url);

function randomVectors(count: number, dimension: number, seed: number): Float32Array[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: dimension }, () => random() * 2 - 1));
}

/** The kernel's summation order in f32, step by step (see dot-products.wat): the results must match bit for bit. */
function dotInKernelOrder(query: Float32Array, row: Float32Array): number {
  const f = Math.fround;
  const lanes = new Float32Array(16);
  for (let i = 0; i < query.length; i++) lanes[i % 16] = f(lanes[i % 16]! + f(query[i]! * row[i]!));
  const sum = (i: number) => f(f(lanes[i]! + lanes[i + 4]!) + f(lanes[i + 8]! + lanes[i + 12]!));
  return f(f(sum(0) + sum(1)) + f(sum(2) + sum(3)));
}

describe('the SIMD dot-product kernel', () => {
  it('ships exactly the bytes that dot-products.wat compiles to', async () => {
    const wabt = await wabtInit();
    const module = wabt.parseWat('dot-products.wat', readFileSync(WAT, 'utf8'), { simd: true });
    try {
      module.validate();
      const compiled = Buffer.from(module.toBinary({}).buffer).toString('base64');
      expect(DOT_PRODUCTS_WASM, 'rebuild: paste this into models/memory/kernel/dot-products-wasm.ts').toBe(compiled);
    } finally {
      module.destroy();
    }
  });

  it.each([16, 512, 1536])('equals the same sums in plain f32 arithmetic, bit for bit, at %i dimensions, for several queries in one pass', (dimension) => {
    const rows = randomVectors(300, dimension, dimension); // more than one block of rows
    const queries = randomVectors(3, dimension, 7);
    const matrix = new VectorMatrix(dimension, 4); // small, so that adding rows grows the memory
    rows.forEach((row, i) => {
      matrix.reserve(i + 1);
      matrix.setRow(i, row);
    });
    const dots = matrix.dotsMany(queries, rows.length);
    queries.forEach((query, q) => expect(Array.from(dots[q]!)).toEqual(rows.map((row) => dotInKernelOrder(query, row))));
  });

  it('falls back to a plain loop for a dimension the kernel does not take (not a multiple of 16), and moves rows', () => {
    const rows = randomVectors(5, 10, 3);
    const [query] = randomVectors(1, 10, 4);
    const matrix = new VectorMatrix(10);
    rows.forEach((row, i) => matrix.setRow(i, row));
    matrix.copyRow(4, 1);
    const expected = [rows[0]!, rows[4]!, rows[2]!, rows[3]!].map((row) => Math.fround(row.reduce((sum, x, i) => sum + x * query![i]!, 0)));
    Array.from(matrix.dotsMany([query!], 4)[0]!).forEach((dot, i) => expect(dot).toBeCloseTo(expected[i]!, 5));
  });
});
