// Proves that the tiny fixture models (test/fixtures/onnx) are real Hugging Face ONNX model folders:
// transformers.js loads them from disk with no network, tokenizes, applies the chat template,
// generates greedily with a KV cache and a streamer, and extracts mean-pooled sentence vectors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  TextStreamer,
  Tensor,
  env,
  pipeline,
  type FeatureExtractionPipeline,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { decode as gptDecode, encode as gptEncode } from 'gpt-3-encoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyBert } from '../fixtures/onnx/build-tiny-bert.js';
import { TINY_GPT2_EOS_TOKEN_ID, TINY_GPT2_VOCAB_SIZE, buildTinyGpt2 } from '../fixtures/onnx/build-tiny-gpt2.js';

// Local folders only: a missing file must fail, never fall back to the Hub.
env.allowRemoteModels = false;
env.allowLocalModels = true;

const LOAD = { dtype: 'fp32', device: 'cpu', local_files_only: true } as const;

let root: string;
let gpt2Dir: string;
let bertDir: string;
let tokenizer: PreTrainedTokenizer;
let model: PreTrainedModel;
let extractor: FeatureExtractionPipeline;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'memr1-tiny-models-'));
  gpt2Dir = join(root, 'tiny-gpt2');
  bertDir = join(root, 'tiny-bert');
  await Promise.all([buildTinyGpt2(gpt2Dir), buildTinyBert(bertDir)]);
  tokenizer = await AutoTokenizer.from_pretrained(gpt2Dir, { local_files_only: true });
  model = await AutoModelForCausalLM.from_pretrained(gpt2Dir, LOAD);
  extractor = await pipeline('feature-extraction', bertDir, LOAD);
});

afterAll(async () => {
  await model?.dispose();
  await extractor?.dispose();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Token ids of the prompt tensor / output row as plain numbers. */
function ids(t: Tensor): number[] {
  return Array.from(t.data as BigInt64Array, Number);
}

/** Greedy generation of exactly `n` new tokens (min_new_tokens suppresses an early EOS). */
async function greedy(prompt: string | string[], n: number, streamer?: TextStreamer): Promise<Tensor> {
  const inputs = tokenizer(prompt, { padding: true });
  const out = await model.generate({ ...inputs, max_new_tokens: n, min_new_tokens: n, do_sample: false, streamer });
  return out as Tensor;
}

describe('tiny GPT-2 fixture under transformers.js', () => {
  it('tokenizes exactly like the reference GPT-2 encoder and decodes back', () => {
    const text = 'Hello world, memories!';
    const encoded = tokenizer.encode(text);
    expect(encoded).toEqual(gptEncode(text));
    expect(tokenizer.decode(encoded)).toBe(text);
    expect(gptDecode(encoded)).toBe(text);

    const tricky = "  I'm   here\n\ttabs, émojis 🙂 and 12345 numbers's";
    expect(tokenizer.encode(tricky)).toEqual(gptEncode(tricky));
    expect(tokenizer.decode(tokenizer.encode(tricky))).toBe(tricky);

    expect(tokenizer.encode('<|endoftext|>')).toEqual([TINY_GPT2_EOS_TOKEN_ID]);
    expect(tokenizer.eos_token_id).toBe(TINY_GPT2_EOS_TOKEN_ID);
    expect(tokenizer.decode([15496, TINY_GPT2_EOS_TOKEN_ID], { skip_special_tokens: true })).toBe('Hello');
  });

  it('renders the chat template with a generation prompt', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const text = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, tokenize: false });
    expect(text).toBe('user: hi\nassistant:');
    const withoutPrompt = tokenizer.apply_chat_template(messages, { tokenize: false });
    expect(withoutPrompt).toBe('user: hi\n');

    const tokenized = tokenizer.apply_chat_template(messages, { add_generation_prompt: true, return_dict: false });
    expect(ids(tokenized as Tensor)).toEqual(gptEncode('user: hi\nassistant:'));
  });

  it('declares the KV-cache inputs and outputs transformers.js feeds', () => {
    const session = (model as unknown as { sessions: Record<string, { inputNames: string[]; outputNames: string[] }> })
      .sessions.model!;
    expect(session.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      'position_ids',
      'past_key_values.0.key',
      'past_key_values.0.value',
      'past_key_values.1.key',
      'past_key_values.1.value',
    ]);
    expect(session.outputNames).toContain('present.1.value');
    expect(session.outputNames).toContain('logits');
  });

  it('streams exactly 20 greedy tokens, deterministically', async () => {
    const prompt = tokenizer.apply_chat_template([{ role: 'user', content: 'hi' }], {
      add_generation_prompt: true,
      tokenize: false,
    }) as string;
    const promptIds = gptEncode(prompt);

    const run = async (): Promise<{ sequence: number[]; streamed: number[]; text: string }> => {
      const streamed: number[] = [];
      let text = '';
      const streamer = new TextStreamer(tokenizer, {
        skip_prompt: true,
        skip_special_tokens: true,
        callback_function: (chunk: string) => {
          text += chunk;
        },
        token_callback_function: (tokens: bigint[]) => {
          streamed.push(...tokens.map(Number));
        },
      });
      const out = await greedy(prompt, 20, streamer);
      expect(out.dims).toEqual([1, promptIds.length + 20]);
      return { sequence: ids(out), streamed, text };
    };

    const first = await run();
    expect(first.sequence.slice(0, promptIds.length)).toEqual(promptIds);
    expect(first.streamed).toHaveLength(20);
    expect(first.streamed).toEqual(first.sequence.slice(promptIds.length));
    expect(first.streamed.every((id) => id >= 0 && id < TINY_GPT2_VOCAB_SIZE)).toBe(true);
    expect(first.text).toBe(tokenizer.decode(first.streamed, { skip_special_tokens: true }));
    // A random model still depends on its context: it does not emit one token 20 times.
    expect(new Set(first.streamed).size).toBeGreaterThan(1);

    const second = await run();
    expect(second).toEqual(first);

    const other = ids(await greedy('The cat sat on the', 20));
    expect(other.slice(-20)).not.toEqual(first.streamed);
  });

  it('gives the same logits with the KV cache as without it', async () => {
    const all = gptEncode('My favourite memory is the sea at dawn');
    const cut = all.length - 3;
    const tensor = (values: number[]): Tensor =>
      new Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
    const ones = (n: number): Tensor => tensor(new Array<number>(n).fill(1));

    // One pass over the whole text, with an empty cache.
    const full = await model.forward({ input_ids: tensor(all), attention_mask: ones(all.length) });
    // The prefix, then the last 3 tokens on top of the prefix's cache.
    const prefix = await model.forward({ input_ids: tensor(all.slice(0, cut)), attention_mask: ones(cut) });
    const cache: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(prefix as Record<string, Tensor>)) {
      if (name.startsWith('present.')) cache[name.replace('present.', 'past_key_values.')] = value;
    }
    expect((cache['past_key_values.0.key'] as Tensor).dims).toEqual([1, 2, cut, 16]);
    const step = await model.forward({
      input_ids: tensor(all.slice(cut)),
      attention_mask: ones(all.length),
      past_key_values: cache,
    });

    expect((step.logits as Tensor).dims).toEqual([1, 3, TINY_GPT2_VOCAB_SIZE]);
    expect((step['present.1.value'] as Tensor).dims).toEqual([1, 2, all.length, 16]);
    const fullLogits = (full.logits as Tensor).data as Float32Array;
    const stepLogits = (step.logits as Tensor).data as Float32Array;
    const tail = fullLogits.subarray(cut * TINY_GPT2_VOCAB_SIZE);
    let maxDiff = 0;
    for (let i = 0; i < tail.length; i++) maxDiff = Math.max(maxDiff, Math.abs(tail[i]! - stepLogits[i]!));
    expect(maxDiff).toBeLessThan(1e-3);
    // and the logits are not all alike (the check above would be vacuous then)
    expect(Math.max(...stepLogits.subarray(0, 1000)) - Math.min(...stepLogits.subarray(0, 1000))).toBeGreaterThan(0.1);
  });

  it('honours left padding: a padded batch continues each prompt as if it were alone', async () => {
    tokenizer.padding_side = 'left';
    try {
      const short = 'Hi';
      const long = 'Tell me what you remember about the summer';
      const alone = ids(await greedy(short, 8)).slice(-8);
      const batch = await greedy([short, long], 8);
      expect(batch.dims[0]).toBe(2);
      const width = batch.dims[1]!;
      const rows = ids(batch);
      expect(rows.slice(width - 8, width)).toEqual(alone);
      expect(rows.slice(2 * width - 8)).toEqual(ids(await greedy(long, 8)).slice(-8));
    } finally {
      tokenizer.padding_side = 'right';
    }
  });
});

describe('tiny BERT fixture under the feature-extraction pipeline', () => {
  it('returns one mean-pooled vector per text, equal for equal texts and different otherwise', async () => {
    const texts = ['hello world', 'the user likes coffee', 'hello world', 'Hello World'];
    const out = await extractor(texts, { pooling: 'mean', normalize: true });
    expect(out.dims).toEqual([4, 32]);
    const rows = out.tolist() as number[][];
    for (const row of rows) {
      expect(row.every(Number.isFinite)).toBe(true);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
    expect(rows[2]).toEqual(rows[0]);
    expect(rows[3]).toEqual(rows[0]); // the tokenizer lowercases
    const distance = Math.hypot(...rows[0]!.map((v, i) => v - rows[1]![i]!));
    expect(distance).toBeGreaterThan(0.05);
  });

  it('ignores padding: a text embeds the same alone and in a padded batch', async () => {
    const alone = (await extractor('memories', { pooling: 'mean' })).tolist() as number[][];
    const batch = (await extractor(['memories', 'a much longer text that forces padding'], { pooling: 'mean' }))
      .tolist() as number[][];
    expect(alone).toHaveLength(1);
    for (let i = 0; i < 32; i++) expect(batch[0]![i]!).toBeCloseTo(alone[0]![i]!, 4);
  });

  it('feeds token_type_ids from the BERT tokenizer', () => {
    const encoded = extractor.tokenizer('hello', { text_pair: 'world', return_tensor: false }) as unknown as {
      input_ids: number[];
      token_type_ids: number[];
    };
    // [CLS] hello [SEP] world [SEP]
    expect(encoded.input_ids).toHaveLength(5);
    expect(encoded.token_type_ids).toEqual([0, 0, 0, 1, 1]);
  });
});
