import { RequestWatchdog, sendWithRetries, type ServerSettings } from './openai-http.js';

/** A forwarded request's response, streamed through by the caller. */
export interface ForwardedReply {
  /** The server's answer, whatever its status: the caller passes it on as it came. */
  response: Response;
  /** The caller read a chunk: the server is not silent. */
  progress(): void;
  /** Ends the request (the whole body was passed on, or the caller's client left). */
  close(): void;
}

/**
 * Sends a chat request another tool made, with every field it set (tools,
 * response formats, penalties) kept as it is, to the server's
 * `/chat/completions`, with retries before the first byte as the app's own
 * replies have. The server's silence is bounded as theirs is: by
 * `timeoutMs` between chunks, for which the caller calls `progress`.
 */
export async function forwardChatRequest(server: ServerSettings, body: Record<string, unknown>, signal: AbortSignal): Promise<ForwardedReply> {
  const watchdog = new RequestWatchdog(server.timeoutMs, signal);
  try {
    const sent = await sendWithRetries(server, 'chat/completions', { method: 'POST', body }, watchdog);
    return { response: sent.response, progress: () => watchdog.restart(), close: () => watchdog.close() };
  } catch (error) {
    watchdog.close();
    throw error;
  }
}
