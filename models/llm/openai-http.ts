import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ChatModelError } from './chat-model.js';

/** Where an OpenAI-compatible server is and how patiently to talk to it. */
export interface ServerSettings {
  /** Without a trailing slash, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
  apiKey?: string;
  /** Longest silence allowed: until the response headers, and between body chunks. */
  timeoutMs: number;
  /** Extra attempts after a connection error, 429 or 5xx. */
  retries: number;
}

/** First retry waits this long, then twice as long each time: enough for a restarting server, short for a person waiting. */
const RETRY_BASE_DELAY_MS = 250;

/**
 * Owns one request's AbortController: aborts it when the caller's signal fires
 * or when the server has been silent for `timeoutMs` (an idle timer, restarted
 * on every sign of progress, so a long reply streamed steadily never times out).
 */
export class RequestWatchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private silentTooLong = false;
  private readonly forwardAbort = (): void => this.controller.abort();

  constructor(
    private readonly timeoutMs: number,
    private readonly callerSignal?: AbortSignal,
  ) {
    callerSignal?.addEventListener('abort', this.forwardAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The caller cancelled: not an error, the reply just ends. */
  get callerAborted(): boolean {
    return this.callerSignal?.aborted ?? false;
  }

  get timedOut(): boolean {
    return this.silentTooLong && !this.callerAborted;
  }

  /** The server made progress (or we start waiting on it): give it `timeoutMs` again. */
  restart(): void {
    this.pause();
    this.timer = setTimeout(() => {
      this.silentTooLong = true;
      this.controller.abort();
    }, this.timeoutMs);
  }

  /** We are not waiting on the server (backoff, or the consumer holds a token): its silence is not its fault. */
  pause(): void {
    clearTimeout(this.timer);
  }

  /** Ends the request if it is still open (a consumer that stopped early must not leave the server generating). */
  close(): void {
    this.pause();
    this.callerSignal?.removeEventListener('abort', this.forwardAbort);
    this.controller.abort();
  }
}

export interface SentRequest {
  response: Response;
  attempts: number;
}

/**
 * Sends a JSON request, retrying (with backoff) connection errors, 429 and 5xx,
 * and returns the last response whatever its status: callers decide what a
 * non-2xx means (a missing `/models` is fine, a failed chat is not).
 * Throws `UNREACHABLE` or `TIMEOUT`; a caller abort rethrows the fetch's AbortError.
 */
export async function sendWithRetries(
  settings: ServerSettings,
  path: string,
  init: { method: 'GET' } | { method: 'POST'; body: unknown },
  watchdog: RequestWatchdog,
): Promise<SentRequest> {
  const url = `${settings.baseUrl}/${path}`;
  const attempts = settings.retries + 1;
  for (let attempt = 1; ; attempt++) {
    watchdog.restart();
    let response: Response | undefined;
    let connectionError: unknown;
    try {
      response = await fetch(url, {
        method: init.method,
        headers: {
          accept: 'application/json, text/event-stream',
          ...(init.method === 'POST' ? { 'content-type': 'application/json' } : {}),
          ...(settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {}),
        },
        ...(init.method === 'POST' ? { body: JSON.stringify(init.body) } : {}),
        signal: watchdog.signal,
      });
    } catch (error) {
      if (watchdog.callerAborted) throw error;
      if (watchdog.timedOut) throw timeoutError(url, settings.timeoutMs);
      connectionError = error;
    }
    const retryable = response === undefined || response.status === 429 || response.status >= 500;
    if (!retryable || attempt === attempts) {
      if (response) return { response, attempts: attempt };
      throw unreachableError(url, connectionError, attempt);
    }
    // Free the connection of a failed response before trying again (a body already broken needs no freeing).
    await response?.body?.cancel().catch(() => undefined);
    watchdog.pause();
    await sleep(RETRY_BASE_DELAY_MS * 2 ** (attempt - 1), undefined, { signal: watchdog.signal });
  }
}

/** The ways servers phrase an error body: OpenAI `{error:{message}}`, `{error:"..."}` (Ollama), `{message}` (vLLM). */
const ErrorBody = z.union([
  z.object({ error: z.union([z.string(), z.object({ message: z.string() })]) }),
  z.object({ message: z.string() }),
]);

/** The server's own words for an error, from a JSON error body or (failing that) the start of the body text. */
export function serverMessage(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return body.trim().slice(0, 300) || '(empty body)';
  }
  const parsed = ErrorBody.safeParse(json);
  if (!parsed.success) return body.trim().slice(0, 300);
  if ('message' in parsed.data) return parsed.data.message;
  return typeof parsed.data.error === 'string' ? parsed.data.error : parsed.data.error.message;
}

/** `HTTP_ERROR` carrying the status, the server's message, and what to check for the usual statuses. */
export async function httpError(url: string, sent: SentRequest, what: string): Promise<ChatModelError> {
  const { response, attempts } = sent;
  const body = await response.text().catch(() => '');
  const hint =
    response.status === 401 || response.status === 403
      ? ' Check the API key (apiKey).'
      : response.status === 404
        ? ' Check the base URL (it usually ends in /v1) and the model name.'
        : '';
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
  return new ChatModelError('HTTP_ERROR', `${url} answered HTTP ${response.status}${tries} ${what}: ${serverMessage(body)}.${hint}`);
}

export function timeoutError(url: string, timeoutMs: number): ChatModelError {
  return new ChatModelError(
    'TIMEOUT',
    `the server at ${url} sent nothing for ${timeoutMs} ms; it may still be loading the model or be overloaded. Check the server, or raise timeoutMs.`,
  );
}

function unreachableError(url: string, error: unknown, attempts: number): ChatModelError {
  // fetch wraps the socket error: `TypeError: fetch failed` with the errno in its cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  const detail = code ?? (cause instanceof Error ? cause.message : String(cause));
  const tries = attempts > 1 ? `, ${attempts} attempts` : '';
  const advice =
    code === 'ECONNREFUSED'
      ? 'the server is not running. Start it (e.g. `ollama serve` for Ollama, `llama-server` for llama.cpp, or the LM Studio / vLLM server) or fix the base URL.'
      : 'check the base URL and that the server is running and reachable.';
  return new ChatModelError('UNREACHABLE', `cannot reach the server at ${url} (${detail}${tries}): ${advice}`, { cause: error });
}
