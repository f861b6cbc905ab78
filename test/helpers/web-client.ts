import { EventSourceParserStream } from 'eventsource-parser/stream';
import { request } from 'node:http';

/** A `memr1 serve`-style server as a client sees it. */
export interface WebTarget {
  port: number;
  token: string;
}

/** `POST /api/<route>` as the renderer sends it: JSON, with the bearer token. */
export function postApi(target: WebTarget, route: string, input: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${target.port}/api/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
    body: JSON.stringify(input),
    ...init,
  });
}

/** The events of a Server-Sent Events response, parsed by a real SSE parser. */
export async function* sseEvents(response: Response): AsyncGenerator<Record<string, unknown> & { type: string }> {
  const messages = response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const message of messages) yield JSON.parse(message.data) as Record<string, unknown> & { type: string };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A request with full control of the headers and body framing (fetch will
 * not set `Host`, and always frames bodies itself): for the checks a browser
 * would never send, such as a rebinding `Host` or a chunked oversized body.
 */
export function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[] },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path, headers: options.headers ?? {}, setHost: !options.headers?.host }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.chunks) for (const chunk of options.chunks) req.write(chunk);
    req.end(options.body);
  });
}
