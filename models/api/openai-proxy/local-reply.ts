import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChatMessage, ChatModel, FinishReason, SamplingOptions } from '../../llm/chat-model.js';

/** What OpenAI's clients expect as a finish reason; an abort ends the stream with none (the client left). */
const FINISH: Record<Exclude<FinishReason, 'abort'>, string> = { stop: 'stop', length: 'length' };

/**
 * A reply from one of the app's own chat models (a local ONNX model, the
 * scripted one) in OpenAI's chat-completions format: a `chat.completion`
 * object, or with `stream` its `chat.completion.chunk` events and `[DONE]`.
 */
export async function writeLocalReply(res: ServerResponse, model: ChatModel, messages: ChatMessage[], sampling: SamplingOptions, stream: boolean, name: string): Promise<void> {
  const head = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: name };
  if (!stream) {
    const reply = await model.generate(messages, sampling);
    if (reply.finishReason === 'abort') return void res.destroy();
    const body = JSON.stringify({
      ...head,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: reply.text }, logprobs: null, finish_reason: FINISH[reply.finishReason] }],
      usage: { prompt_tokens: 0, completion_tokens: reply.completionTokens ?? reply.tokens.length, total_tokens: reply.completionTokens ?? reply.tokens.length },
    });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    return void res.end(body);
  }
  const chunk = (delta: Record<string, string>, finish: string | null) => `data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
  res.write(chunk({ role: 'assistant', content: '' }, null));
  for await (const token of model.stream(messages, sampling)) {
    if (res.destroyed) return;
    res.write(chunk({ content: token.text }, null));
  }
  if (sampling.signal?.aborted || res.destroyed) return void res.destroy();
  // The app's token stream does not say why it ended, so a streamed reply cut by max_tokens also ends with "stop" (a whole reply says "length").
  res.end(`${chunk({}, 'stop')}data: [DONE]\n\n`);
}
