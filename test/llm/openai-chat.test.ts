import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChatModelError, type ChatMessage, type TokenChunk } from '../../models/llm/chat-model.js';
import { OpenAiChatModel } from '../../models/llm/openai-chat.js';
import { startOpenAiChatServer, type OpenAiChatServer, type OpenAiChatServerOptions } from '../helpers/openai-chat-server.js';

const MODEL = 'qwen2.5:0.5b';
const ASK: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Say hello.' },
];
const HELLO = [
  { text: 'Hel', logprob: -0.5 },
  { text: 'lo', logprob: -0.25 },
  { text: ' world', logprob: -1.5 },
];

let server: OpenAiChatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(options: Partial<OpenAiChatServerOptions> = {}): Promise<OpenAiChatServer> {
  server = await startOpenAiChatServer({ models: [MODEL], reply: () => ({ tokens: HELLO }), ...options });
  return server;
}

async function connect(running: OpenAiChatServer, options: { timeoutMs?: number; retries?: number; apiKey?: string } = {}): Promise<OpenAiChatModel> {
  return OpenAiChatModel.connect({ baseUrl: running.baseUrl, model: MODEL, ...options });
}

async function gather(stream: AsyncIterable<TokenChunk>): Promise<TokenChunk[]> {
  const chunks: TokenChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** The ChatModelError a promise rejects with (fails the test if it resolves or throws something else). */
async function failure(promise: Promise<unknown>): Promise<ChatModelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChatModelError);
  return error as ChatModelError;
}

/** A URL on 127.0.0.1 where nothing listens: a server's port, just after it closed. */
async function closedUrl(): Promise<string> {
  const closed = await startOpenAiChatServer({ models: [], reply: () => '' });
  await closed.close();
  return closed.baseUrl;
}

describe('OpenAI-compatible chat model over real HTTP', () => {
  it('streams the tokens in order with their logprobs, skipping usage chunks', async () => {
    const running = await serve({ sendUsage: true });
    const model = await connect(running);
    expect(model.info).toEqual({ id: `openai:${MODEL}`, backend: 'openai', device: 'remote', deviceReason: `served by ${running.baseUrl}`, logprobs: true });

    expect(await gather(model.stream(ASK, { logprobs: true }))).toEqual(HELLO);

    const [request] = running.chatRequests();
    expect(request?.body).toMatchObject({ model: MODEL, messages: ASK, stream: true, logprobs: true });
  });

  it('leaves logprobs out unless asked for', async () => {
    const running = await serve();
    const model = await connect(running);
    expect(await gather(model.stream(ASK))).toEqual(HELLO.map(({ text }) => ({ text })));
    expect(running.chatRequests()[0]?.body).not.toHaveProperty('logprobs');
  });

  it('generates the whole reply with finishReason stop, or length when max_tokens cuts it', async () => {
    const running = await serve({ reply: () => 'The cat sat on the mat.' });
    const model = await connect(running);

    const whole = await model.generate(ASK);
    expect(whole.text).toBe('The cat sat on the mat.');
    expect(whole.tokens.map((t) => t.text)).toEqual(['The', ' cat', ' sat', ' on', ' the', ' mat.']);
    expect(whole.finishReason).toBe('stop');

    const cut = await model.generate(ASK, { maxTokens: 2 });
    expect(cut).toMatchObject({ text: 'The cat', finishReason: 'length' });
  });

  it('sends the sampling options and the server honours stop', async () => {
    const running = await serve({ reply: () => 'first line\nsecond line' });
    const model = await connect(running);

    const generation = await model.generate(ASK, { temperature: 0.7, topP: 0.9, maxTokens: 50, stop: ['\n'], seed: 7 });
    expect(generation).toMatchObject({ text: 'first line', finishReason: 'stop' });
    expect(running.chatRequests()[0]?.body).toMatchObject({ temperature: 0.7, top_p: 0.9, max_tokens: 50, stop: ['\n'], seed: 7 });

    // The documented SamplingOptions defaults go out explicitly: servers' own defaults differ.
    await model.generate(ASK);
    const defaults = running.chatRequests()[1]?.body;
    expect(defaults).toMatchObject({ temperature: 0, top_p: 1, max_tokens: 256 });
    expect(defaults).not.toHaveProperty('stop');
    expect(defaults).not.toHaveProperty('seed');
  });

  it('lists the models and accepts an Ollama name without its :latest tag', async () => {
    const running = await serve({ models: ['llama3.1:latest', MODEL] });
    expect(await OpenAiChatModel.listModels(`${running.baseUrl}/`)).toEqual(['llama3.1:latest', MODEL]);

    const model = await OpenAiChatModel.connect({ baseUrl: running.baseUrl, model: 'llama3.1', checkModel: true });
    expect(model.info.id).toBe('openai:llama3.1');
  });

  it('refuses an unknown model and names the ones available', async () => {
    const running = await serve({ models: ['llama3.1:8b', MODEL] });
    const error = await failure(OpenAiChatModel.connect({ baseUrl: running.baseUrl, model: 'mistral' }));
    expect(error.code).toBe('UNKNOWN_MODEL');
    expect(error.message).toContain('"mistral"');
    expect(error.message).toContain(`Available: llama3.1:8b, ${MODEL}`);
    expect(error.message).toContain('ollama pull mistral');
  });

  it('skips the check without /models, and the chat then reports the server message for an unknown model', async () => {
    const running = await serve({ listModels: false });
    const model = await OpenAiChatModel.connect({ baseUrl: running.baseUrl, model: 'mistral' });
    expect(running.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);

    const error = await failure(model.generate(ASK));
    expect(error.code).toBe('HTTP_ERROR');
    expect(error.message).toMatch(/HTTP 404 for model mistral: The model `mistral` does not exist/);
    await expect(OpenAiChatModel.listModels(running.baseUrl)).rejects.toThrow(/does not list its models/);
  });

  it('says the server is not running when the connection is refused', async () => {
    const url = await closedUrl();
    const atConnect = await failure(OpenAiChatModel.connect({ baseUrl: url, model: MODEL, retries: 0 }));
    expect(atConnect.code).toBe('UNREACHABLE');
    expect(atConnect.message).toContain(`${url}/models`);
    expect(atConnect.message).toMatch(/ECONNREFUSED.*the server is not running.*ollama serve/);

    const model = await OpenAiChatModel.connect({ baseUrl: url, model: MODEL, checkModel: false, retries: 1 });
    const atChat = await failure(model.generate(ASK));
    expect(atChat.code).toBe('UNREACHABLE');
    expect(atChat.message).toMatch(/chat\/completions \(ECONNREFUSED, 2 attempts\)/);
  });

  it('retries 5xx and 429 before the reply starts, then succeeds', async () => {
    const running = await serve({ faults: { failFirst: 2 } });
    const model = await connect(running);
    expect((await model.generate(ASK)).text).toBe('Hello world');
    expect(running.chatRequests()).toHaveLength(3);

    server = await startOpenAiChatServer({ models: [MODEL], reply: () => 'ok', faults: { failFirst: 1, failStatus: 429 } });
    await running.close();
    const limited = await connect(server);
    expect((await limited.generate(ASK)).text).toBe('ok');
    expect(server.chatRequests()).toHaveLength(2);
  });

  it('gives up on a server that keeps failing after a bounded number of attempts', async () => {
    const running = await serve({ faults: { failFirst: Infinity } });
    const model = await connect(running, { retries: 3 });
    const error = await failure(model.generate(ASK));
    expect(error.code).toBe('HTTP_ERROR');
    expect(error.message).toMatch(/HTTP 500 \(after 4 attempts\) for model .*: scripted failure of request 4/);
    expect(running.chatRequests()).toHaveLength(4);
  });

  it('reports a 401 with the server message and does not retry it', async () => {
    const running = await serve({ apiKey: 'sk-right' });
    const wrong = await OpenAiChatModel.connect({ baseUrl: running.baseUrl, model: MODEL, apiKey: 'sk-wrong', checkModel: false });
    const error = await failure(wrong.generate(ASK));
    expect(error.code).toBe('HTTP_ERROR');
    expect(error.message).toMatch(/HTTP 401 for model .*: Incorrect API key provided\..*Check the API key/);
    expect(running.chatRequests()).toHaveLength(1);

    const right = await connect(running, { apiKey: 'sk-right' });
    expect((await right.generate(ASK)).text).toBe('Hello world');
    expect(running.chatRequests()[1]?.headers.authorization).toBe('Bearer sk-right');
  });

  it('rejects a malformed chunk after yielding the tokens before it', async () => {
    const running = await serve({ faults: { malformedAfterTokens: 1 } });
    const model = await connect(running);
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of model.stream(ASK)) seen.push(chunk.text);
      })(),
    );
    expect(error.code).toBe('BAD_STREAM');
    expect(error.message).toMatch(/not valid JSON/);
    expect(seen).toEqual(['Hel']);
  });

  it('reports a stream cut mid-reply, keeps the tokens before the cut, and does not retry', async () => {
    const running = await serve({ faults: { disconnectAfterTokens: 2 } });
    const model = await connect(running);
    const seen: string[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of model.stream(ASK)) seen.push(chunk.text);
      })(),
    );
    expect(error.code).toBe('BAD_STREAM');
    expect(error.message).toMatch(/cut mid-reply/);
    expect(seen).toEqual(['Hel', 'lo']);
    expect(running.chatRequests()).toHaveLength(1);
  });

  it('reports a stream that ends early without finish_reason, but accepts one that only lacks [DONE]', async () => {
    const truncated = await serve({ faults: { endAfterTokens: 2 } });
    const error = await failure((await connect(truncated)).generate(ASK));
    expect(error.code).toBe('BAD_STREAM');
    expect(error.message).toMatch(/cut mid-reply/);

    server = await startOpenAiChatServer({ models: [MODEL], reply: () => ({ tokens: HELLO, finishReason: 'length' }), faults: { omitDone: true } });
    await truncated.close();
    expect(await (await connect(server)).generate(ASK)).toMatchObject({ text: 'Hello world', finishReason: 'length' });
  });

  it('surfaces an error the server sends mid-stream', async () => {
    const running = await serve({ faults: { errorAfterTokens: 1 } });
    const model = await connect(running);
    const error = await failure(model.generate(ASK));
    expect(error.code).toBe('HTTP_ERROR');
    expect(error.message).toMatch(/reported an error mid-reply: scripted error mid-reply/);
  });

  it('times out a server that never answers, without retrying', async () => {
    const running = await serve({ faults: { delayMs: 30_000 } });
    const model = await connect(running, { timeoutMs: 200 });
    const started = Date.now();
    const error = await failure(model.generate(ASK));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/sent nothing for 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(running.chatRequests()).toHaveLength(1);
  });

  it('times out silence between chunks, but not a long steady reply or a slow consumer', async () => {
    const stalled = await serve({ faults: { tokenDelayMs: 1_000 } });
    const error = await failure((await connect(stalled, { timeoutMs: 200 })).generate(ASK));
    expect(error.code).toBe('TIMEOUT');

    server = await startOpenAiChatServer({ models: [MODEL], reply: () => 'one two three four five six', faults: { tokenDelayMs: 80 } });
    await stalled.close();
    const model = await connect(server, { timeoutMs: 250 });
    // ~480 ms in all, well past timeoutMs, yet never 250 ms of silence.
    expect((await model.generate(ASK)).text).toBe('one two three four five six');

    const seen: string[] = [];
    for await (const chunk of model.stream(ASK)) {
      seen.push(chunk.text);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the consumer is slower than timeoutMs
    }
    expect(seen.join('')).toBe('one two three four five six');
  });

  it('ends cleanly on abort mid-stream and closes the request', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    const running = await serve({ reply: () => words, faults: { tokenDelayMs: 40 } });
    const model = await connect(running);

    const controller = new AbortController();
    const pending = model.generate(ASK, { signal: controller.signal });
    await vi.waitFor(() => expect(running.chatRequests()[0]?.tokensSent).toBeGreaterThanOrEqual(3));
    controller.abort();
    const generation = await pending;

    expect(generation.finishReason).toBe('abort');
    expect(generation.tokens.length).toBeGreaterThanOrEqual(2);
    expect(generation.tokens.length).toBeLessThan(40);
    expect(words.startsWith(generation.text)).toBe(true);
    await vi.waitFor(() => expect(running.chatRequests()[0]?.closedEarly).toBe(true));
    expect(running.chatRequests()[0]?.tokensSent).toBeLessThan(40);
  });

  it('yields nothing after an abort, even tokens already received, and sends nothing when aborted before', async () => {
    // No delay: tokens arrive in bursts, several per network read.
    const running = await serve({ reply: () => 'a b c d e f g h' });
    const model = await connect(running);

    const controller = new AbortController();
    const seen: string[] = [];
    for await (const chunk of model.stream(ASK, { signal: controller.signal })) {
      seen.push(chunk.text);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toEqual(['a', ' b']);

    const aborted = await model.generate(ASK, { signal: AbortSignal.abort() });
    expect(aborted).toEqual({ text: '', tokens: [], finishReason: 'abort' });
    expect(running.chatRequests()).toHaveLength(1);
  });

  it('resolves at once when aborted while the server has not answered yet', async () => {
    const running = await serve({ faults: { delayMs: 30_000 } });
    const model = await connect(running);
    const controller = new AbortController();
    const pending = model.generate(ASK, { signal: controller.signal });
    await vi.waitFor(() => expect(running.chatRequests()).toHaveLength(1));
    const started = Date.now();
    controller.abort();
    expect(await pending).toEqual({ text: '', tokens: [], finishReason: 'abort' });
    expect(Date.now() - started).toBeLessThan(1_000);
    await vi.waitFor(() => expect(running.chatRequests()[0]?.closedEarly).toBe(true));
  });

  it('closes the request when the consumer stops reading early', async () => {
    const running = await serve({ reply: () => 'a b c d e f g h', faults: { tokenDelayMs: 20 } });
    const model = await connect(running);
    for await (const chunk of model.stream(ASK)) {
      expect(chunk.text).toBe('a');
      break;
    }
    await vi.waitFor(() => expect(running.chatRequests()[0]?.closedEarly).toBe(true));
  });

  it('test server: also answers non-streamed requests in OpenAI format', async () => {
    const running = await serve();
    const response = await fetch(`${running.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: ASK, max_tokens: 2, logprobs: true }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'Hello' }, finish_reason: 'length', logprobs: { content: [{ logprob: -0.5 }, { logprob: -0.25 }] } }],
    });
  });
});
