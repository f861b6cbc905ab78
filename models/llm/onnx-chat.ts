import {
  AutoModelForCausalLM,
  AutoTokenizer,
  LogitsProcessor,
  LogitsProcessorList,
  StoppingCriteria,
  StoppingCriteriaList,
  TextStreamer,
  env,
  random,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { basename } from 'node:path';
import { SerialQueue } from '../util/serial-queue.js';
import { AsyncQueue } from './async-queue.js';
import { ChatModelError, type ChatMessage, type ChatModel, type ChatModelInfo, type FinishReason, type Generation, type SamplingOptions, type TokenChunk } from './chat-model.js';
import { GrammarConstraints } from './grammar-constraints.js';
import { GrammarLogitsProcessor } from './grammar-logits-processor.js';
import { LogprobAlignment } from './logprob-alignment.js';
import { deviceCandidates, type OnnxDevice } from './onnx-device.js';
import type { OnnxDtype } from './onnx-dtype.js';
import { StopStringFilter } from './stop-strings.js';
import { tokenVocabulary } from './token-vocabulary.js';

export interface OnnxLoadOptions {
  /** `auto` (default) tries the platform's GPU provider, then the CPU. */
  device?: OnnxDevice | 'auto';
  /** Which weights file to load (default q8: `onnx/model_quantized.onnx`). */
  dtype?: OnnxDtype;
  /** Shown in `info.id` (default: the folder name). */
  name?: string;
}

// The app downloads models itself (resumable, atomic); transformers.js only reads local folders.
env.allowRemoteModels = false;
env.allowLocalModels = true;

/**
 * A local chat model in the Hugging Face ONNX layout, run by transformers.js
 * on onnxruntime-node. Generations run one at a time (one ONNX session).
 */
export class OnnxChatModel implements ChatModel {
  private readonly turns = new SerialQueue();
  private constraints: Promise<GrammarConstraints> | undefined;

  private constructor(
    private readonly model: PreTrainedModel,
    private readonly tokenizer: PreTrainedTokenizer,
    readonly info: ChatModelInfo,
  ) {}

  /** Loads a model folder on the best device that works, falling back (with the reason) to the CPU. */
  static async load(folder: string, options: OnnxLoadOptions = {}): Promise<OnnxChatModel> {
    const dtype = options.dtype ?? 'q8';
    let tokenizer: PreTrainedTokenizer;
    try {
      tokenizer = await AutoTokenizer.from_pretrained(folder, { local_files_only: true });
    } catch (error) {
      throw new ChatModelError('LOAD_FAILED', `cannot load the tokenizer from ${folder}: ${(error as Error).message}`, { cause: error });
    }
    const { candidates, skipped } = deviceCandidates(options.device ?? 'auto');
    const failures = [...skipped];
    for (const { device, reason } of candidates) {
      try {
        const model = await AutoModelForCausalLM.from_pretrained(folder, { device, dtype, local_files_only: true });
        const why = [reason, ...failures].join('; ');
        const info: ChatModelInfo = { id: `onnx:${options.name ?? basename(folder)}`, backend: 'onnx', device, deviceReason: why, logprobs: true };
        return new OnnxChatModel(model, tokenizer, info);
      } catch (error) {
        failures.push(`${device} failed: ${(error as Error).message.split('\n')[0]}`);
      }
    }
    throw new ChatModelError('LOAD_FAILED', `cannot load the ONNX model in ${folder} (dtype ${dtype}): ${failures.join('; ')}`);
  }

  stream(messages: readonly ChatMessage[], options: SamplingOptions = {}): AsyncIterable<TokenChunk> {
    return this.start(messages, options).chunks;
  }

  async generate(messages: readonly ChatMessage[], options: SamplingOptions = {}): Promise<Generation> {
    const run = this.start(messages, options);
    const tokens: TokenChunk[] = [];
    for await (const chunk of run.chunks) tokens.push(chunk);
    return { text: tokens.map((t) => t.text).join(''), tokens, ...(await run.outcome) };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
    await (await this.constraints?.catch(() => undefined))?.dispose();
  }

  /**
   * XGrammar over this model's vocabulary, prepared on the first constrained
   * generation (it reads the whole vocabulary once) and kept, with every
   * format compiled so far.
   */
  private grammarConstraints(): Promise<GrammarConstraints> {
    this.constraints ??= GrammarConstraints.create(tokenVocabulary(this.tokenizer), this.logitsWidth(), [...this.eosTokenIds()].map(Number));
    return this.constraints;
  }

  /** The width of a logits row: config.json's vocab_size, which may pad the tokenizer's vocabulary. */
  private logitsWidth(): number {
    const configured = (this.model.config as { vocab_size?: number }).vocab_size;
    return configured ?? (this.tokenizer.get_vocab() as Map<string, number>).size;
  }

  private eosTokenIds(): Set<bigint> {
    return new Set<bigint>([this.model.generation_config?.eos_token_id ?? [], this.tokenizer.eos_token_id ?? []].flat().map((id) => BigInt(id)));
  }

  /** Starts a generation (after any running one); its chunks arrive on the returned queue. */
  private start(messages: readonly ChatMessage[], options: SamplingOptions): { chunks: AsyncQueue<TokenChunk>; outcome: Promise<Outcome> } {
    const chunks = new AsyncQueue<TokenChunk>();
    const outcome = this.turns.run(async (): Promise<Outcome> => {
      try {
        const result = await this.run(messages, options, chunks);
        chunks.end();
        return result;
      } catch (error) {
        chunks.fail(error instanceof ChatModelError ? error : new ChatModelError('LOAD_FAILED', `generation failed: ${(error as Error).message}`, { cause: error }));
        return { finishReason: 'stop', completionTokens: 0 };
      }
    });
    return { chunks, outcome };
  }

  private async run(messages: readonly ChatMessage[], options: SamplingOptions, chunks: AsyncQueue<TokenChunk>): Promise<Outcome> {
    if (options.signal?.aborted) return { finishReason: 'abort', completionTokens: 0 };
    const prompt = this.tokenizer.apply_chat_template(messages as ChatMessage[], { add_generation_prompt: true, tokenize: false }) as string;
    const inputs = this.tokenizer(prompt, { add_special_tokens: false });
    const maxTokens = options.maxTokens ?? 256;
    const filter = new StopStringFilter(options.stop ?? []);
    const recorder = options.logprobs ? new LogprobRecorder() : undefined;
    const alignment = recorder ? new LogprobAlignment((ids) => this.tokenizer.decode(ids, { skip_special_tokens: true })) : undefined;
    let generated = 0;
    let sawEos = false;
    const eos = this.eosTokenIds();

    const streamer = new TextStreamer(this.tokenizer, {
      skip_prompt: true,
      skip_special_tokens: true,
      token_callback_function: (tokens: bigint[]) => {
        for (const token of tokens) {
          generated++;
          if (eos.has(token)) sawEos = true;
          if (recorder) alignment!.token(token, recorder.logprobOf(token));
        }
      },
      callback_function: (text: string) => {
        const safe = filter.push(text);
        if (!safe) return;
        chunks.push(alignment ? { text: safe, logprob: alignment.take(safe.length) } : { text: safe });
      },
    });
    const stopping = new StoppingCriteriaList();
    stopping.push(new StopWhen(() => filter.done || options.signal?.aborted === true));
    const processors = new LogitsProcessorList();
    // The grammar masks first, so recorded log-probabilities are those of the constrained distribution.
    const matcher = options.format ? await (await this.grammarConstraints()).matcher(options.format) : undefined;
    if (matcher) processors.push(new GrammarLogitsProcessor(matcher, maxTokens));
    if (recorder) processors.push(recorder);

    const temperature = options.temperature ?? 0;
    // transformers.js samples with its one global generator; generations here run one at a time.
    if (options.seed !== undefined) random.seed(options.seed);
    try {
      await this.model.generate({
        ...inputs,
        max_new_tokens: maxTokens,
        do_sample: temperature > 0,
        ...(temperature > 0 ? { temperature, top_p: options.topP ?? 1 } : {}),
        streamer,
        stopping_criteria: stopping,
        logits_processor: processors,
      } as Parameters<PreTrainedModel['generate']>[0]);
    } finally {
      matcher?.dispose();
    }

    const rest = filter.flush();
    if (rest) chunks.push(alignment ? { text: rest, logprob: alignment.rest() } : { text: rest });
    const finishReason: FinishReason = options.signal?.aborted ? 'abort' : filter.done || sawEos ? 'stop' : generated >= maxTokens ? 'length' : 'stop';
    return { finishReason, completionTokens: generated };
  }
}

interface Outcome {
  finishReason: FinishReason;
  completionTokens: number;
}

/** Ends generation when `shouldStop` says so (abort, a stop string). */
class StopWhen extends StoppingCriteria {
  constructor(private readonly shouldStop: () => boolean) {
    super();
  }

  override _call(inputIds: number[][]): boolean[] {
    return inputIds.map(() => this.shouldStop());
  }
}

/**
 * Records the log-softmax of the final next-token scores at each step, so the
 * sampled token's log-probability can be read when the streamer receives it.
 * It runs last among the logits processors and leaves the scores unchanged.
 */
class LogprobRecorder extends LogitsProcessor {
  private last: Float32Array | undefined;

  override _call(_inputIds: bigint[][], logits: Tensor): Tensor {
    const data = logits.data as Float32Array;
    const vocab = logits.dims.at(-1)!;
    const row = data.subarray(0, vocab);
    let max = -Infinity;
    for (const x of row) if (x > max) max = x;
    let sum = 0;
    for (const x of row) sum += Math.exp(x - max);
    const logZ = max + Math.log(sum);
    this.last = row.map((x) => x - logZ);
    return logits;
  }

  logprobOf(token: bigint): number {
    return this.last?.[Number(token)] ?? 0;
  }
}
