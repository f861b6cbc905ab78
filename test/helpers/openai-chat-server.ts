import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { startServer } from './http-server.js';

export interface ScriptedToken {
  text: string;
  /** Reported when the request asks for logprobs; 0 (certain) when left out. */
  logprob?: number;
}

export interface ScriptedReply {
  tokens: ScriptedToken[];
  /** Why the scripted model stopped, if `max_tokens` and `stop` did not cut it first. Default `stop`. */
  finishReason?: 'stop' | 'length';
}

/** The request fields the server reads; others are accepted and ignored, as real servers do. */
const ChatCompletionRequest = z.object({
  model: z.string(),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
  seed: z.number().int().optional(),
  logprobs: z.boolean().optional(),
  // OpenAI's structured output; servers that take it hold the reply to the schema (this one only checks its shape).
  response_format: z
    .object({ type: z.literal('json_schema'), json_schema: z.object({ name: z.string().regex(/^[\w-]{1,64}$/), schema: z.record(z.string(), z.unknown()), strict: z.boolean().optional() }) })
    .optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** Failures to inject. Token counts are content chunks; the opening role chunk is not counted. */
export interface ChatServerFaults {
  /** Answer the first N chat requests with `failStatus` and an OpenAI error body (`Infinity`: always). */
  failFirst?: number;
  /** Default 500. */
  failStatus?: number;
  /** Wait this long before answering a chat request at all (a hung server, or one loading a model). */
  delayMs?: number;
  /** Wait this long before each token chunk (a slow model); the headers and role chunk go out first. */
  tokenDelayMs?: number;
  /** After this many token chunks, send one whose JSON is cut off (and carry on). */
  malformedAfterTokens?: number;
  /** After this many token chunks, destroy the socket: no finish_reason, no `[DONE]`. */
  disconnectAfterTokens?: number;
  /** After this many token chunks, end the response properly but early: no finish_reason, no `[DONE]`. */
  endAfterTokens?: number;
  /** After this many token chunks, send an OpenAI error event and end the stream. */
  errorAfterTokens?: number;
  /** End with the finish_reason chunk but no `[DONE]`, as some llama.cpp forks do. */
  omitDone?: boolean;
}

export interface OpenAiChatServerOptions {
  /** Listed at `GET /v1/models`; chat requests for other models get OpenAI's 404. */
  models: string[];
  /** false: `GET /v1/models` answers 404, like servers without a model listing. Default true. */
  listModels?: boolean;
  /** When set, every request needs `Authorization: Bearer <apiKey>` or gets OpenAI's 401. */
  apiKey?: string;
  /** Answer 400, as servers without structured output do, to any request that carries `response_format`. */
  refuseResponseFormat?: boolean;
  /** Send a usage chunk (empty `choices`) before `[DONE]`, like OpenAI's include_usage or vLLM's forced usage. */
  sendUsage?: boolean;
  /** The scripted model. A string is split into word tokens that keep their leading whitespace. */
  reply: (messages: ChatMessage[], request: ChatCompletionRequest) => string | ScriptedReply;
  faults?: ChatServerFaults;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The JSON body as sent, or undefined when there was none (or it was not a JSON object). */
  body: Record<string, unknown> | undefined;
  /** Token chunks written so far (streamed chat requests). */
  tokensSent: number;
  /** Set when the connection closed before the response was complete: a client abort, or a disconnect fault. */
  closedEarly: boolean;
}

export interface OpenAiChatServer {
  /** The API root, ending in `/v1`: what clients take as `baseUrl`. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** The `POST /v1/chat/completions` requests, in arrival order. */
  chatRequests: () => RecordedRequest[];
  close: () => Promise<void>;
}

/**
 * A real OpenAI-compatible chat server on 127.0.0.1 in front of a scripted
 * model: `GET /v1/models` and `POST /v1/chat/completions`, streamed (SSE in
 * OpenAI's exact chunk format) or not, honouring `max_tokens` and `stop`.
 */
export async function startOpenAiChatServer(options: OpenAiChatServerOptions): Promise<OpenAiChatServer> {
  const requests: RecordedRequest[] = [];
  // Ends pending delays when the test closes the server, so no timer outlives it.
  const closing = new AbortController();
  let chatCount = 0;
  const base = await startServer((req, body, res) => {
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: parseJsonObject(body),
      tokensSent: 0,
      closedEarly: false,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.closedEarly = true;
    });
    const isChat = req.method === 'POST' && req.url === '/v1/chat/completions';
    const serve = isChat ? serveChat(options, ++chatCount, record, res, closing.signal) : serveOther(options, req, res);
    serve.catch((error: unknown) => {
      // A bug in the scripted reply must fail the test loudly, not hang the client.
      if (!res.headersSent) sendError(res, 500, `test server failed: ${String(error)}`, 'server_error');
      else res.destroy();
    });
  });
  return {
    baseUrl: `${base.url}/v1`,
    requests,
    chatRequests: () => requests.filter((r) => r.method === 'POST' && r.path === '/v1/chat/completions'),
    close: async () => {
      closing.abort();
      await base.close();
    },
  };
}

async function serveOther(options: OpenAiChatServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!authorized(options, req, res)) return;
  if (req.method === 'GET' && req.url === '/v1/models' && (options.listModels ?? true)) {
    const data = options.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'test' }));
    sendJson(res, 200, { object: 'list', data });
    return;
  }
  sendError(res, 404, `no route for ${req.method} ${req.url}`, 'invalid_request_error');
}

async function serveChat(
  options: OpenAiChatServerOptions,
  requestNumber: number,
  record: RecordedRequest,
  res: ServerResponse,
  closing: AbortSignal,
): Promise<void> {
  const faults = options.faults ?? {};
  if (faults.delayMs && !(await pause(faults.delayMs, closing))) return;
  if (!authorized(options, res.req, res)) return;
  if (requestNumber <= (faults.failFirst ?? 0)) {
    sendError(res, faults.failStatus ?? 500, `scripted failure of request ${requestNumber}`, 'server_error');
    return;
  }
  const parsed = ChatCompletionRequest.safeParse(record.body);
  if (!parsed.success) {
    sendError(res, 400, `invalid request: ${z.prettifyError(parsed.error)}`, 'invalid_request_error');
    return;
  }
  const request = parsed.data;
  if (options.refuseResponseFormat && request.response_format) {
    sendError(res, 400, "Unrecognized request argument supplied: response_format", 'invalid_request_error');
    return;
  }
  if (!options.models.includes(request.model)) {
    sendError(res, 404, `The model \`${request.model}\` does not exist or you do not have access to it.`, 'invalid_request_error');
    return;
  }
  const { tokens, finishReason } = limitReply(toScriptedReply(options.reply(request.messages, request)), request);
  const reply: Completion = { id: `chatcmpl-test-${requestNumber}`, model: request.model, created: Math.floor(Date.now() / 1000), tokens, finishReason };
  if (request.stream) await streamCompletion(reply, request, options, record, res, closing);
  else sendJson(res, 200, completionJson(reply, request));
}

interface Completion {
  id: string;
  model: string;
  created: number;
  tokens: ScriptedToken[];
  finishReason: 'stop' | 'length';
}

async function streamCompletion(
  reply: Completion,
  request: ChatCompletionRequest,
  options: OpenAiChatServerOptions,
  record: RecordedRequest,
  res: ServerResponse,
  closing: AbortSignal,
): Promise<void> {
  const faults = options.faults ?? {};
  const event = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
  const chunk = (choices: unknown[]): string =>
    event({ id: reply.id, object: 'chat.completion.chunk', created: reply.created, model: reply.model, system_fingerprint: 'fp_test', choices });

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  await write(res, chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]));
  for (let sent = 0; ; sent++) {
    if (sent === faults.malformedAfterTokens) await write(res, `data: {"id":"${reply.id}","choices":[{"index":0,"delta":{"content":"br\n\n`);
    if (sent === faults.errorAfterTokens) {
      await write(res, event({ error: { message: 'scripted error mid-reply', type: 'server_error' } }));
      res.end();
      return;
    }
    if (sent === faults.endAfterTokens) {
      res.end();
      return;
    }
    if (sent === faults.disconnectAfterTokens) {
      // Give the client a moment to read what was sent, as it would over a real network, then drop the connection.
      await pause(30, closing);
      res.socket?.destroy();
      return;
    }
    const token = reply.tokens[sent];
    if (token === undefined) break;
    if (faults.tokenDelayMs && !(await pause(faults.tokenDelayMs, closing))) return;
    if (res.destroyed || res.writableEnded) return;
    const logprobs = request.logprobs ? { content: [tokenLogprob(token)] } : null;
    await write(res, chunk([{ index: 0, delta: { content: token.text }, logprobs, finish_reason: null }]));
    record.tokensSent = sent + 1;
  }
  await write(res, chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: reply.finishReason }]));
  if (options.sendUsage) {
    const usage = { prompt_tokens: request.messages.length, completion_tokens: reply.tokens.length, total_tokens: request.messages.length + reply.tokens.length };
    await write(res, event({ id: reply.id, object: 'chat.completion.chunk', created: reply.created, model: reply.model, choices: [], usage }));
  }
  if (!faults.omitDone) await write(res, 'data: [DONE]\n\n');
  res.end();
}

function completionJson(reply: Completion, request: ChatCompletionRequest): unknown {
  return {
    id: reply.id,
    object: 'chat.completion',
    created: reply.created,
    model: reply.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.tokens.map((t) => t.text).join('') },
        logprobs: request.logprobs ? { content: reply.tokens.map(tokenLogprob) } : null,
        finish_reason: reply.finishReason,
      },
    ],
    usage: { prompt_tokens: request.messages.length, completion_tokens: reply.tokens.length, total_tokens: request.messages.length + reply.tokens.length },
  };
}

function toScriptedReply(reply: string | ScriptedReply): ScriptedReply {
  if (typeof reply !== 'string') return reply;
  return { tokens: (reply.match(/\s*\S+|\s+/g) ?? []).map((text) => ({ text })) };
}

/** Applies `max_tokens` (counted in scripted tokens) and `stop` (cut before the earliest match, which is left out). */
function limitReply(reply: ScriptedReply, request: ChatCompletionRequest): { tokens: ScriptedToken[]; finishReason: 'stop' | 'length' } {
  const limit = request.max_tokens ?? Infinity;
  const within = reply.tokens.slice(0, limit);
  const text = within.map((t) => t.text).join('');
  const stops = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? []);
  const cuts = stops.map((stop) => (stop ? text.indexOf(stop) : -1)).filter((at) => at >= 0);
  if (cuts.length === 0) return { tokens: within, finishReason: reply.tokens.length > limit ? 'length' : (reply.finishReason ?? 'stop') };
  const cut = Math.min(...cuts);
  const tokens: ScriptedToken[] = [];
  let start = 0;
  for (const token of within) {
    if (start >= cut) break;
    const kept = token.text.slice(0, cut - start);
    tokens.push(kept === token.text ? token : { ...token, text: kept });
    start += token.text.length;
  }
  return { tokens, finishReason: 'stop' };
}

function tokenLogprob(token: ScriptedToken): unknown {
  return { token: token.text, logprob: token.logprob ?? 0, bytes: [...Buffer.from(token.text, 'utf8')], top_logprobs: [] };
}

function authorized(options: OpenAiChatServerOptions, req: IncomingMessage, res: ServerResponse): boolean {
  if (options.apiKey === undefined || req.headers.authorization === `Bearer ${options.apiKey}`) return true;
  sendError(res, 401, 'Incorrect API key provided. You can find your API key in your account settings.', 'invalid_request_error');
  return false;
}

function sendError(res: ServerResponse, status: number, message: string, type: string): void {
  sendJson(res, status, { error: { message, type, param: null, code: null } });
}

function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
}

function parseJsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const json: unknown = JSON.parse(body);
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves once the data is handed to the socket, so a later disconnect cannot swallow it. */
function write(res: ServerResponse, data: string): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => res.write(data, () => resolve()));
}

/** Waits, or resolves false early when the server is closing. */
async function pause(ms: number, closing: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal: closing });
    return true;
  } catch {
    return false;
  }
}
