import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '../../models/embed/embedder.js';
import { TransformersEmbedder } from '../../models/embed/transformers-embedder.js';
import { MemoryStore } from '../../models/memory/store.js';
import { buildTinyBert } from '../fixtures/onnx/build-tiny-bert.js';

let root: string;
let embedder: TransformersEmbedder;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'memr1-bert-'));
  await buildTinyBert(join(root, 'tiny-bert'), { hidden: 32 }); // random weights, built at test time
  embedder = await TransformersEmbedder.load(join(root, 'tiny-bert'));
});

afterAll(async () => {
  await embedder?.dispose();
  rmSync(root, { recursive: true, force: true });
});

describe('transformers.js feature-extraction embedder (tiny ONNX encoder)', () => {
  it('learns its dimension and names its model', () => {
    expect(embedder).toMatchObject({ dimension: 32, id: 'transformers:tiny-bert' });
  });

  it('returns one unit vector per text, in order, the same for the same text across batches', async () => {
    const texts = Array.from({ length: 40 }, (_, i) => `memory number ${i} about ${i % 3 ? 'cats' : 'tea'}`);
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(40);
    expect(Math.hypot(...vectors[0]!)).toBeCloseTo(1, 5);
    const [again] = await embedder.embed([texts[37]!]);
    expect(cosine(vectors[37]!, again!)).toBeCloseTo(1, 5);
    expect(cosine(vectors[0]!, vectors[1]!)).toBeLessThan(0.9999);
  });

  it('plugs into the memory store, which records it as the embedder', async () => {
    const store = await MemoryStore.open({ uri: join(root, 'db'), embedder });
    await store.add({ text: 'I drink green tea every morning.', subject: 'me' });
    expect(store.meta).toMatchObject({ embedder_id: 'transformers:tiny-bert', dimension: 32 });
    expect(await store.search('tea', { k: 1 })).toHaveLength(1);
    await store.close();
  });
});
