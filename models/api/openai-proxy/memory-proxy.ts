import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, toApiError } from '../../contract/api-error.js';
import { clientOrigin } from '../../contract/origins.js';
import type { McpClientView } from '../../contract/mcp-client-schemas.js';
import type { MemoryView } from '../../contract/schemas.js';
import type { ChatModel } from '../../llm/chat-model.js';
import type { ForwardedReply } from '../../llm/openai-forward.js';
import { schemaReason } from '../../util/zod-reason.js';
import { memoriesSystemMessage } from '../chat-prompt.js';
import type { ClientKeys } from '../client-keys.js';
import type { Dispatch } from '../dispatch.js';
import { readBody } from '../read-body.js';
import { HTTP_STATUS, isJsonContentType } from '../web-guards.js';
import { writeLocalReply } from './local-reply.js';
import { lastUserText, plainMessages, ProxyRequest, samplingOf } from './proxy-request.js';

/** The model name the proxy lists; any name a client sends is answered by the configured chat model. */
export const PROXY_MODEL_ID = 'memr1';
/** A long conversation with pasted documents, far above any chat message. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** The routes' own bounds on what is recalled for and remembered. */
const MAX_QUERY_CHARS = 4_000;
const MAX_REMEMBER_CHARS = 8_000;

export interface MemoryProxyOptions {
  dispatch: Dispatch;
  /** The app's chat model (Settings): the one that answers. */
  model: () => Promise<ChatModel>;
  keys: ClientKeys;
  /** Where a Memory Manager run that failed after a reply is reported (no client waits for it). */
  onError?: (error: unknown) => void;
}

/**
 * An OpenAI-compatible endpoint with the memory in front (`/v1/models`,
 * `/v1/chat/completions`): for the last user message the Answer Agent
 * recalls the memories that matter, they go first as a system message in
 * the app's own format, and the configured chat model answers — an
 * OpenAI-compatible server gets the request with every field the client set
 * (tools, response_format, …), streamed back as it comes; a local model
 * answers in OpenAI's format. Afterwards the Memory Manager reads the user's
 * message, and its operations wait in Review with origin `proxy:<client>`.
 * Each client has its own key (`memr1 clients add`).
 */
export class MemoryProxy {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: MemoryProxyOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const key = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const client = key === undefined ? undefined : await this.options.keys.clientOf(key);
    if (!client) return sendError(res, 401, 'missing or unknown API key: make one for this client with `memr1 clients add <name>` and give it as the API key', 'invalid_api_key');
    if (pathname === '/v1/models') {
      if (req.method !== 'GET') return sendError(res, 405, 'the model list is read with GET', 'method_not_allowed');
      return sendJson(res, 200, { object: 'list', data: [{ id: PROXY_MODEL_ID, object: 'model', created: 0, owned_by: 'memr1' }] });
    }
    if (pathname !== '/v1/chat/completions') return sendError(res, 404, `no route ${pathname.slice(0, 100)}: this proxy serves /v1/models and /v1/chat/completions`, 'not_found');
    if (req.method !== 'POST') return sendError(res, 405, 'chat completions take POST', 'method_not_allowed');
    try {
      await this.complete(req, res, client);
    } catch (error) {
      if (res.headersSent) return void res.destroy();
      const body = toApiError(error);
      sendError(res, HTTP_STATUS[body.code], body.message, body.code.toLowerCase());
    }
  }

  /** Waits for the Memory Manager runs still going (the server is closing). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async complete(req: IncomingMessage, res: ServerResponse, client: string): Promise<void> {
    if (!isJsonContentType(req)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the request as JSON (Content-Type: application/json)');
    const request = parseRequest(await readBody(req, MAX_BODY_BYTES));
    // The tool's switches in Settings (shared with MCP): off is refused, read-only recalls but never remembers; it reads and writes its scope only.
    const admitted = await this.call<McpClientView>('mcp.admit', { client: clientOrigin(client, 'proxy'), write: false });
    const said = lastUserText(request);
    const memories = said ? await this.call<{ items: MemoryView[] }>('memory.recall', { query: said.slice(0, MAX_QUERY_CHARS), scope: admitted.scope }) : { items: [] };
    const memoryMessage = memoriesSystemMessage(memories.items);
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) gone.abort();
    });
    const model = await this.options.model();
    let answered = false;
    try {
      if (model.forward) {
        answered = await passThrough(res, await model.forward({ ...request, messages: [memoryMessage, ...request.messages] }, gone.signal));
      } else {
        const messages = plainMessages(request);
        if (!messages) throw new ApiError('BAD_INPUT', `the chat model in use (${model.info.id}) runs here and takes system, user and assistant messages only, no tools: choose an OpenAI-compatible server in Settings for tool calls`);
        await writeLocalReply(res, model, [memoryMessage, ...messages], samplingOf(request, gone.signal), request.stream ?? false, PROXY_MODEL_ID);
        answered = true;
      }
    } catch (error) {
      // A client that left mid-reply still said what it said; a failed reply leaves memory alone, as a chat turn does.
      if (!gone.signal.aborted) throw error;
      answered = true;
    } finally {
      if (answered && said && admitted.access === 'read-write') this.remember(said, client, admitted.scope);
    }
  }

  /** The Memory Manager on the user's message, after the reply (off its critical path). */
  private remember(text: string, client: string, scope: string): void {
    const run = this.call('memory.remember', { text: text.slice(0, MAX_REMEMBER_CHARS), origin: clientOrigin(client, 'proxy'), scope })
      .then(() => undefined)
      .catch((error: unknown) => (this.options.onError ?? ((e: unknown) => console.error(`memr1: remembering for ${client} failed:`, e)))(error));
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private async call<T>(route: string, input: unknown): Promise<T> {
    const result = await this.options.dispatch(route, input);
    if (!result.ok) throw new ApiError(result.error.code, result.error.message);
    return result.output as T;
  }
}

function parseRequest(body: string): ProxyRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new ApiError('BAD_INPUT', `the body is not JSON: ${(error as Error).message}`);
  }
  const parsed = ProxyRequest.safeParse(json);
  if (!parsed.success) throw new ApiError('BAD_INPUT', `not a chat-completions request: ${schemaReason(parsed.error)}`);
  return parsed.data;
}

/** The server's answer as it came (status, type, every byte); true when it was a success. */
async function passThrough(res: ServerResponse, reply: ForwardedReply): Promise<boolean> {
  try {
    res.writeHead(reply.response.status, { 'content-type': reply.response.headers.get('content-type') ?? 'application/json', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    if (reply.response.body) {
      for await (const chunk of reply.response.body) {
        if (res.destroyed) break;
        res.write(chunk);
        reply.progress();
      }
    }
    res.end();
    return reply.response.ok;
  } finally {
    reply.close();
  }
}

/** OpenAI's error shape, which its clients read. */
function sendError(res: ServerResponse, status: number, message: string, code: string): void {
  sendJson(res, status, { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', code } });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
