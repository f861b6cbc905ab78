/**
 * The one way the UI reaches the engine. In the desktop app the preload
 * exposes `window.memr1`; in web mode the same routes go over HTTP, unary
 * ones as JSON and streaming ones as Server-Sent Events read from a fetch body
 * (EventSource cannot POST).
 */
import type { Transport } from '../../../models/contract/bridge.js';
import type { EventOf, InputOf, OutputOf, StreamInputOf, StreamRoute, UnaryRoute } from './api-types';
import { takeWebToken } from './web-token';

declare global {
  interface Window {
    memr1?: Transport;
  }
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The events after which a stream has nothing more to say; ending before one is an error. */
const FINAL_EVENTS: Record<StreamRoute, readonly string[]> = {
  'chat.send': ['operations', 'error'],
  'models.download': ['done', 'error'],
  'training.start': ['done', 'error'],
};

const transport: Transport = window.memr1 ?? httpTransport(takeWebToken());

/** The system's folder dialog, in the desktop app only (a web page cannot learn local paths): resolves with a path or null. */
export const chooseFolder: ((title: string) => Promise<string | null>) | undefined = transport.chooseFolder && ((title) => transport.chooseFolder!(title));

export const client = {
  invoke<R extends UnaryRoute>(route: R, input: InputOf<R>): Promise<OutputOf<R>> {
    return transport.invoke(route, input).catch((error: unknown) => {
      throw asApiError(error);
    }) as Promise<OutputOf<R>>;
  },
  stream<R extends StreamRoute>(route: R, input: StreamInputOf<R>, onEvent: (event: EventOf<R>) => void): () => void {
    return transport.stream(route, input, onEvent as (event: unknown) => void);
  },
};

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return new ApiError(typeof code === 'string' ? code : 'UNEXPECTED', typeof message === 'string' ? message : String(error));
}

function httpTransport(token: string | null): Transport {
  const post = (route: string, input: unknown, signal?: AbortSignal): Promise<Response> => {
    if (token === null) {
      return Promise.reject(new ApiError('NO_TOKEN', 'This page needs the address that `memr1 serve` printed (it carries the access token).'));
    }
    return fetch(`/api/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(input ?? {}),
      ...(signal ? { signal } : {}),
    }).catch((error: unknown) => {
      if (signal?.aborted) throw error;
      throw new ApiError('NETWORK', `Cannot reach the Memory-R1 server (${String(error)}). Is \`memr1 serve\` still running?`);
    });
  };

  return {
    async invoke(route, input) {
      const response = await post(route, input);
      if (!response.ok) throw await errorFrom(response);
      return response.json();
    },

    stream(route, input, onEvent) {
      const abort = new AbortController();
      const finals = FINAL_EVENTS[route as StreamRoute] ?? [];
      let finished = false;
      const deliver = (event: unknown) => {
        if (abort.signal.aborted) return;
        finished ||= finals.includes((event as { type?: string }).type ?? '');
        onEvent(event);
      };
      (async () => {
        const response = await post(route, input, abort.signal);
        if (!response.ok) throw await errorFrom(response);
        if (!response.body) throw new ApiError('NETWORK', 'The server sent no stream.');
        await readServerSentEvents(response.body, deliver);
        if (!finished) throw new ApiError('STREAM_ENDED', 'The connection closed before the reply was complete.');
      })().catch((error: unknown) => {
        if (abort.signal.aborted) return;
        const { code, message } = asApiError(error);
        deliver({ type: 'error', code, message });
      });
      return () => abort.abort();
    },
  };
}

async function errorFrom(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  return new ApiError(body?.error?.code ?? `HTTP_${response.status}`, body?.error?.message ?? `${response.status} ${response.statusText}`);
}

/** Parses `data:` lines of an SSE body; events are separated by a blank line. */
async function readServerSentEvents(body: ReadableStream<Uint8Array>, onEvent: (event: unknown) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const blocks = buffer.split(/\r?\n\r?\n/);
    buffer = blocks.pop() ?? '';
    for (const block of blocks) {
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data) onEvent(JSON.parse(data));
    }
  }
}
