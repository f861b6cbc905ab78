import { createParser } from 'eventsource-parser';
import { z } from 'zod';
import { ChatModelError, type FinishReason } from './chat-model.js';

/**
 * One `chat.completion.chunk`, as much of it as we read. Unknown fields are
 * ignored (servers add their own: usage, timings, system_fingerprint, ...).
 */
const ChatCompletionChunk = z.object({
  choices: z.array(
    z.object({
      delta: z.object({ content: z.string().nullish() }).nullish(),
      logprobs: z.object({ content: z.array(z.object({ logprob: z.number() })).nullish() }).nullish(),
      finish_reason: z.string().nullish(),
    }),
  ),
});

/** OpenAI and vLLM report a failure after the 200 headers as a data event of this shape. */
const StreamedError = z.object({ error: z.union([z.string(), z.object({ message: z.string() })]) });

/** What one chunk adds to the reply. */
export interface ChatDelta {
  text: string;
  /**
   * Sum of the natural-log probabilities of the tokens in this chunk: servers
   * send one token per chunk, and when one sends several, the sum is the
   * log-probability of the chunk's text as a whole (the tokens' own strings
   * may split UTF-8 characters, so they are not yielded separately).
   */
  logprob?: number;
  finishReason?: Exclude<FinishReason, 'abort'>;
}

/**
 * Reads an OpenAI chat-completions SSE body into deltas until `data: [DONE]`.
 * A body that ends cleanly after a `finish_reason` also counts as complete
 * (some llama.cpp forks never send `[DONE]`); one that ends before either was
 * cut mid-reply. Errors from reading the body itself (a dropped connection, an
 * abort) propagate unchanged for the caller to classify.
 */
export async function* readChatStream(body: ReadableStream<Uint8Array>, url: string, onBytes: () => void): AsyncGenerator<ChatDelta> {
  const events: string[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event.data) });
  const decoder = new TextDecoder();
  let finished = false;
  for await (const bytes of body) {
    onBytes();
    parser.feed(decoder.decode(bytes, { stream: true }));
    for (let data = events.shift(); data !== undefined; data = events.shift()) {
      if (data.trim() === '[DONE]') return;
      const delta = parseChunk(data, url);
      if (delta === undefined) continue;
      if (delta.finishReason) finished = true;
      yield delta;
    }
  }
  if (!finished) throw cutMidReply(url);
}

/** The error for a body that ended (or broke) before the reply was complete. */
export function cutMidReply(url: string, cause?: unknown): ChatModelError {
  return new ChatModelError(
    'BAD_STREAM',
    `the stream from ${url} was cut mid-reply (no [DONE] or finish_reason): the server may have crashed or dropped the connection. Check its log.`,
    { cause },
  );
}

/** The delta in one event's data, or undefined for chunks without a choice (usage chunks). */
function parseChunk(data: string, url: string): ChatDelta | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (error) {
    throw new ChatModelError('BAD_STREAM', `${url} sent a stream chunk that is not valid JSON: ${data.slice(0, 200)}`, { cause: error });
  }
  const failure = StreamedError.safeParse(json);
  if (failure.success) {
    const { error } = failure.data;
    throw new ChatModelError('HTTP_ERROR', `${url} reported an error mid-reply: ${typeof error === 'string' ? error : error.message}`);
  }
  const chunk = ChatCompletionChunk.safeParse(json);
  if (!chunk.success) {
    throw new ChatModelError(
      'BAD_STREAM',
      `${url} sent a stream chunk that is not an OpenAI chat.completion.chunk (${z.prettifyError(chunk.error)}): ${data.slice(0, 200)}`,
    );
  }
  // We never ask for n > 1, so the first choice is the reply.
  const choice = chunk.data.choices[0];
  if (choice === undefined) return undefined;
  const tokenLogprobs = choice.logprobs?.content ?? [];
  // `content_filter` and `tool_calls` also end the reply normally: only `length` means it was cut short.
  return {
    text: choice.delta?.content ?? '',
    ...(tokenLogprobs.length > 0 ? { logprob: tokenLogprobs.reduce((sum, token) => sum + token.logprob, 0) } : {}),
    ...(choice.finish_reason ? { finishReason: choice.finish_reason === 'length' ? 'length' : 'stop' } : {}),
  };
}
