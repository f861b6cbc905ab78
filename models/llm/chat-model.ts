import type { ForwardedReply } from './openai-forward.js';

/**
 * The one interface every chat-model backend implements (local ONNX through
 * transformers.js, OpenAI-compatible HTTP servers, the scripted test model).
 * The agents only ever see this.
 */

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/**
 * The document a reply must be (DESIGN §7, structured output). Local ONNX
 * models decode under it (every token that cannot continue such a document is
 * masked); OpenAI-compatible servers get a JSON schema as `response_format`.
 */
export type OutputFormat =
  /**
   * `name`: letters, digits, `_` and `-` (OpenAI's rule for `json_schema.name`).
   * `strict`: whether the schema meets OpenAI's strict mode (an object at the
   * root, every property required, no extra properties).
   */
  | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict: boolean }
  /**
   * An EBNF grammar in XGrammar's dialect (root rule `root`); servers get the
   * plain prompt. `closers`: the characters that bring a document nearer its end
   * (see `GrammarLogitsProcessor`); for JSON they are `"]}`.
   */
  | { type: 'grammar'; name: string; ebnf: string; closers: string };

export interface SamplingOptions {
  /** 0 means greedy. Default 0 (deterministic answers; the RL code samples its own actions). */
  temperature?: number;
  /** Nucleus sampling mass, (0, 1]. Default 1. */
  topP?: number;
  /** Upper bound on generated tokens. Default 256. */
  maxTokens?: number;
  /** Generation stops before any of these strings; they are not part of the output. */
  stop?: string[];
  /** Ask for the log-probability of each generated token (when `info.logprobs` is true). */
  logprobs?: boolean;
  /** Seed for sampling, where the backend supports it. */
  seed?: number;
  /** Constrain the reply to this format, where the backend can (see `OutputFormat`). */
  format?: OutputFormat;
  /** Cancels generation; the stream ends and `generate` resolves with `finishReason: 'abort'`. */
  signal?: AbortSignal;
}

/** One streamed piece of the reply. */
export interface TokenChunk {
  text: string;
  /** Natural-log probability of this token, when asked for and available. */
  logprob?: number;
}

export type FinishReason = 'stop' | 'length' | 'abort';

export interface Generation {
  text: string;
  /** The streamed pieces, with log-probabilities when asked for. */
  tokens: TokenChunk[];
  finishReason: FinishReason;
  /** Tokens generated, where the backend counts them. */
  completionTokens?: number;
}

/** What a model is and where it runs, for the UI and for logs. */
export interface ChatModelInfo {
  /** e.g. `onnx:onnx-community/Qwen2.5-0.5B-Instruct`, `openai:llama3.1:8b`, `scripted:rules`. */
  id: string;
  backend: 'onnx' | 'openai' | 'scripted';
  /** `cpu`, `cuda`, `dml`, `coreml`, or `remote` for a server. */
  device: string;
  /** Why this device (e.g. "CUDA provider not installed; fell back to CPU"). */
  deviceReason: string;
  /** Whether `logprobs: true` yields per-token log-probabilities. */
  logprobs: boolean;
}

export interface ChatModel {
  readonly info: ChatModelInfo;
  /** Streams the reply to `messages` (formatted with the model's own chat template). */
  stream(messages: readonly ChatMessage[], options?: SamplingOptions): AsyncIterable<TokenChunk>;
  /** The whole reply. An abort resolves with the text so far and `finishReason: 'abort'`. */
  generate(messages: readonly ChatMessage[], options?: SamplingOptions): Promise<Generation>;
  dispose(): Promise<void>;
  /**
   * Sends another tool's chat request as it came (tools, response_format and
   * every other field kept) to the same model: only a backend that speaks
   * OpenAI's API itself has it (the memory proxy's pass-through).
   */
  forward?(body: Record<string, unknown>, signal: AbortSignal): Promise<ForwardedReply>;
}

export type ChatModelErrorCode =
  | 'UNREACHABLE'
  | 'HTTP_ERROR'
  | 'UNKNOWN_MODEL'
  | 'BAD_STREAM'
  | 'TIMEOUT'
  | 'LOAD_FAILED'
  | 'OFFLINE'
  | 'DOWNLOAD_INTERRUPTED'
  | 'INVALID_OPTIONS';

/** Thrown when a model cannot be reached, loaded or understood; the message says what to do. */
export class ChatModelError extends Error {
  override readonly name = 'ChatModelError';

  constructor(
    readonly code: ChatModelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Collects a stream into a `Generation`, for backends whose `generate` is their
 * `stream` gathered. `finishReason` comes from `finish()` once the stream ends.
 */
export async function collect(stream: AsyncIterable<TokenChunk>, finish: () => FinishReason): Promise<Generation> {
  const tokens: TokenChunk[] = [];
  for await (const chunk of stream) tokens.push(chunk);
  return { text: tokens.map((t) => t.text).join(''), tokens, finishReason: finish() };
}
