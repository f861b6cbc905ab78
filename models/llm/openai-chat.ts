import { z } from 'zod';
import {
  ChatModelError,
  collect,
  type ChatMessage,
  type ChatModel,
  type ChatModelInfo,
  type FinishReason,
  type Generation,
  type SamplingOptions,
  type TokenChunk,
} from './chat-model.js';
import { forwardChatRequest, type ForwardedReply } from './openai-forward.js';
import { httpError, RequestWatchdog, sendWithRetries, timeoutError, type ServerSettings } from './openai-http.js';
import { cutMidReply, readChatStream } from './openai-stream.js';
import { isSchemaRefusal, rememberSchemaRefusal, responseFormat } from './structured-output.js';

export interface OpenAiChatOptions {
  /** Base URL of the server's OpenAI-compatible API, e.g. `http://127.0.0.1:11434/v1` (Ollama). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Longest silence per request: until the first byte, and between streamed chunks. Default 120 s. */
  timeoutMs?: number;
  /** Extra attempts after a connection error, 429 or 5xx, made only before any token was yielded. Default 2. */
  retries?: number;
  /** Check at connect time that the server lists `model`. Default true. */
  checkModel?: boolean;
}

/** Generous because a local server may first load a multi-gigabyte model before it says anything. */
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_RETRIES = 2;
/** Names shown in an unknown-model error; a hosted API lists far more than anyone reads. */
const MAX_LISTED_MODELS = 30;

const ModelList = z.object({
  // Some servers send `null` rather than `[]` when nothing is installed.
  data: z.array(z.object({ id: z.string() })).nullable(),
});

/**
 * A chat model behind any server that speaks OpenAI's `POST /v1/chat/completions`
 * with SSE streaming: Ollama, llama.cpp server, LM Studio, vLLM, OpenAI.
 * Each reply is its own request; nothing is held between them.
 */
export class OpenAiChatModel implements ChatModel {
  readonly info: ChatModelInfo;

  private constructor(
    private readonly server: ServerSettings,
    private readonly model: string,
  ) {
    this.info = { id: `openai:${model}`, backend: 'openai', device: 'remote', deviceReason: `served by ${server.baseUrl}`, logprobs: true };
  }

  static async connect(options: OpenAiChatOptions): Promise<OpenAiChatModel> {
    const server = resolveSettings(options);
    if (options.checkModel ?? true) {
      const available = await fetchModelIds(server);
      // A server without `/models` cannot be checked; the first reply will tell.
      if (available !== undefined && !servesModel(available, options.model)) throw unknownModel(server.baseUrl, options.model, available);
    }
    return new OpenAiChatModel(server, options.model);
  }

  /** The model ids the server lists at `GET {baseUrl}/models`. */
  static async listModels(baseUrl: string, apiKey?: string): Promise<string[]> {
    const server = resolveSettings({ baseUrl, apiKey });
    const ids = await fetchModelIds(server);
    if (ids === undefined) {
      throw new ChatModelError(
        'HTTP_ERROR',
        `${server.baseUrl}/models answered HTTP 404: this server does not list its models. Check the base URL (it usually ends in /v1).`,
      );
    }
    return ids;
  }

  /** The request is sent when iteration starts; stopping early (or aborting) closes it. */
  stream(messages: readonly ChatMessage[], options: SamplingOptions = {}): AsyncIterable<TokenChunk> {
    return this.reply(messages, options);
  }

  async generate(messages: readonly ChatMessage[], options: SamplingOptions = {}): Promise<Generation> {
    let finishReason: FinishReason = 'stop';
    const reply = this.reply(messages, options);
    return collect(
      (async function* () {
        finishReason = yield* reply;
      })(),
      () => finishReason,
    );
  }

  async dispose(): Promise<void> {}

  /** Another tool's chat request, with all its fields, sent to this server for this model (the memory proxy's path). */
  forward(body: Record<string, unknown>, signal: AbortSignal): Promise<ForwardedReply> {
    return forwardChatRequest(this.server, { ...body, model: this.model }, signal);
  }

  /** Streams one reply; its return value is why it ended. */
  private async *reply(messages: readonly ChatMessage[], options: SamplingOptions): AsyncGenerator<TokenChunk, FinishReason> {
    if (options.signal?.aborted) return 'abort';
    const url = `${this.server.baseUrl}/chat/completions`;
    const watchdog = new RequestWatchdog(this.server.timeoutMs, options.signal);
    try {
      // Retries happen in here, before the 200 headers: once tokens flow, a failure is final.
      const schema = responseFormat(this.server.baseUrl, this.model, options.format);
      const send = (withSchema: boolean) =>
        sendWithRetries(this.server, 'chat/completions', { method: 'POST', body: chatRequestBody(this.model, messages, options, withSchema ? schema : undefined) }, watchdog);
      let sent = await send(schema !== undefined);
      if (schema && isSchemaRefusal(sent.response.status)) {
        // Once, then never again for this server and model: the plain prompt still asks for the format.
        await sent.response.body?.cancel();
        rememberSchemaRefusal(this.server.baseUrl, this.model);
        sent = await send(false);
      }
      if (!sent.response.ok) throw await httpError(url, sent, `for model ${this.model}`);
      if (!sent.response.body) throw cutMidReply(url);
      let finishReason: FinishReason = 'stop';
      for await (const delta of readChatStream(sent.response.body, url, () => watchdog.restart())) {
        if (delta.finishReason) finishReason = delta.finishReason;
        if (delta.text === '' && delta.logprob === undefined) continue;
        // While the consumer holds a token we are not reading, so the server's silence is not its fault.
        watchdog.pause();
        yield delta.logprob === undefined ? { text: delta.text } : { text: delta.text, logprob: delta.logprob };
        if (watchdog.callerAborted) return 'abort';
        watchdog.restart();
      }
      return finishReason;
    } catch (error) {
      // Whatever an abort broke on its way down (fetch, body read, backoff), the reply simply ends.
      if (watchdog.callerAborted) return 'abort';
      if (watchdog.timedOut) throw timeoutError(url, this.server.timeoutMs);
      if (error instanceof ChatModelError) throw error;
      // The body broke while being read: the connection dropped mid-reply.
      throw cutMidReply(url, error);
    } finally {
      watchdog.close();
    }
  }
}

function resolveSettings(options: { baseUrl: string; apiKey?: string | undefined; timeoutMs?: number; retries?: number }): ServerSettings {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const retries = options.retries ?? DEFAULT_RETRIES;
  if (!(timeoutMs > 0)) throw new ChatModelError('INVALID_OPTIONS', `timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  if (!Number.isInteger(retries) || retries < 0) throw new ChatModelError('INVALID_OPTIONS', `retries must be a whole number >= 0, got ${retries}`);
  return { baseUrl: options.baseUrl.replace(/\/+$/, ''), apiKey: options.apiKey, timeoutMs, retries };
}

/** Sampling defaults are the ones `SamplingOptions` documents, sent explicitly: servers' own defaults differ. */
function chatRequestBody(model: string, messages: readonly ChatMessage[], options: SamplingOptions, format: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    model,
    messages: messages.map(({ role, content }) => ({ role, content })),
    stream: true,
    temperature: options.temperature ?? 0,
    top_p: options.topP ?? 1,
    max_tokens: options.maxTokens ?? 256,
    ...(options.stop?.length ? { stop: options.stop } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.logprobs ? { logprobs: true } : {}),
    ...(format ? { response_format: format } : {}),
  };
}

/** The ids at `GET /models`, or undefined when the server has no such endpoint (404). */
async function fetchModelIds(server: ServerSettings): Promise<string[] | undefined> {
  const url = `${server.baseUrl}/models`;
  const watchdog = new RequestWatchdog(server.timeoutMs);
  try {
    const sent = await sendWithRetries(server, 'models', { method: 'GET' }, watchdog);
    if (sent.response.status === 404) return undefined;
    if (!sent.response.ok) throw await httpError(url, sent, 'listing models');
    const body: unknown = await sent.response.json().catch(() => undefined);
    if (watchdog.timedOut) throw timeoutError(url, server.timeoutMs);
    const list = ModelList.safeParse(body);
    if (!list.success) {
      throw new ChatModelError('HTTP_ERROR', `${url} did not answer with a model list in OpenAI's format. Check the base URL (it usually ends in /v1).`);
    }
    return (list.data.data ?? []).map((entry) => entry.id);
  } finally {
    watchdog.close();
  }
}

/** Ollama lists `name:tag` and serves a bare `name` as `name:latest`. */
function servesModel(available: readonly string[], model: string): boolean {
  return available.includes(model) || available.includes(`${model}:latest`);
}

function unknownModel(baseUrl: string, model: string, available: readonly string[]): ChatModelError {
  if (available.length === 0) {
    return new ChatModelError('UNKNOWN_MODEL', `${baseUrl} serves no models yet: pull or load "${model}" first (e.g. \`ollama pull ${model}\`).`);
  }
  const shown = available.slice(0, MAX_LISTED_MODELS).join(', ');
  const more = available.length > MAX_LISTED_MODELS ? ` and ${available.length - MAX_LISTED_MODELS} more` : '';
  return new ChatModelError(
    'UNKNOWN_MODEL',
    `model "${model}" is not served by ${baseUrl}. Available: ${shown}${more}. Pick one of these, or pull/load "${model}" (e.g. \`ollama pull ${model}\`).`,
  );
}
