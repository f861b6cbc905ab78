import { z } from 'zod';
import type { ChatMessage, SamplingOptions } from '../../llm/chat-model.js';

/** A content part: text, or an image or file the local model cannot read (its text is what counts here). */
const ContentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const Message = z.looseObject({ role: z.string(), content: z.union([z.string(), z.array(ContentPart), z.null()]).optional() });

/**
 * The fields of OpenAI's chat-completions request the proxy reads; every
 * other field (tools, response_format, penalties, …) is kept as sent and
 * passed on to a server that takes it.
 */
export const ProxyRequest = z.looseObject({
  model: z.string().max(200).optional(),
  messages: z.array(Message).min(1).max(1_000),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).optional(),
  seed: z.number().int().optional(),
  tools: z.array(z.unknown()).optional(),
});
export type ProxyRequest = z.infer<typeof ProxyRequest>;
type Message = z.infer<typeof Message>;

/** A message's text: its string, or its text parts joined. */
export function messageText(message: Message): string {
  if (typeof message.content === 'string') return message.content;
  return (message.content ?? []).map((part) => part.text ?? '').join('\n');
}

/** The last user message's text: what memories are recalled for, and what the Memory Manager reads afterwards. */
export function lastUserText(request: ProxyRequest): string {
  const last = request.messages.findLast((m) => m.role === 'user');
  return last ? messageText(last).trim() : '';
}

/**
 * The conversation for a local model, which knows system, user and
 * assistant messages only; undefined when the request has anything else
 * (tools, tool results): only a server that takes them can answer it.
 */
export function plainMessages(request: ProxyRequest): ChatMessage[] | undefined {
  if (request.tools?.length) return undefined;
  const out: ChatMessage[] = [];
  for (const message of request.messages) {
    if (message.role === 'developer') out.push({ role: 'system', content: messageText(message) });
    else if (message.role === 'system' || message.role === 'user' || message.role === 'assistant') out.push({ role: message.role, content: messageText(message) });
    else return undefined;
  }
  return out;
}

/** The request's sampling settings as the app's chat models take them. */
export function samplingOf(request: ProxyRequest, signal: AbortSignal): SamplingOptions {
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  const stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  return {
    signal,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.top_p !== undefined ? { topP: request.top_p } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(stop?.length ? { stop } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
  };
}
