import { schemaReason } from '../util/zod-reason.js';
import { toApiError } from '../contract/api-error.js';
import { isRouteName, ROUTES, type ParsedInput, type RouteEvent, type RouteOutput, type StreamRouteName, type UnaryRouteName } from '../contract/routes.js';
import type { ApiErrorBody } from '../contract/schemas.js';

/** What implements the routes: one function per route, given input that already passed its schema. */
export type RouteHandlers = {
  [R in UnaryRouteName]: (input: ParsedInput<R>) => Promise<RouteOutput<R>>;
} & {
  [R in StreamRouteName]: (input: ParsedInput<R>, emit: (event: RouteEvent<R>) => void, signal: AbortSignal) => Promise<void>;
};

/**
 * Routes the `Assistant` does not serve: those that close and reopen the profile's memory, or must answer while it
 * cannot open (the `ProfileHost` serves them), and where other tools reach it (the transport that listens for them).
 */
export type HostRouteName = 'store.versions' | 'store.restore' | 'tools.endpoints';

/** A unary route's output, or (for a stream, whose events went to `emit`) null; or why the call was refused. */
export type ApiResult = { ok: true; output: unknown } | { ok: false; error: ApiErrorBody };

/**
 * Calls a route by name with untrusted input, from any transport (HTTP, IPC).
 * Unary routes resolve with their output. Stream routes send their events to
 * `emit` and resolve when the stream ends; a failure after the input was
 * accepted is the stream's last event (`{type: 'error', …}`), never a throw.
 * `signal` cancels a stream (a client that went away).
 */
export type Dispatch = (route: string, input: unknown, emit?: (event: unknown) => void, signal?: AbortSignal) => Promise<ApiResult>;

const refuse = (code: ApiErrorBody['code'], message: string): ApiResult => ({ ok: false, error: { code, message } });

/**
 * Validates every input against its route's schema, and every output and
 * event too, so a handler can never send the client something the contract
 * does not describe (extra fields, such as vectors, are dropped). A route
 * without a handler here is NOT_FOUND: the caller (the `ProfileHost`)
 * serves it another way.
 */
export function createDispatcher(handlers: Partial<RouteHandlers>): Dispatch {
  return async (route, input, emit, signal) => {
    if (!isRouteName(route) || !handlers[route]) return refuse('NOT_FOUND', `no route "${String(route).slice(0, 100)}"`);
    const spec = ROUTES[route];
    let parsed;
    try {
      parsed = spec.input.safeParse(input);
    } catch (error) {
      // Input from a structured-clone transport can hold values zod cannot inspect (a revoked proxy, a throwing getter).
      return refuse('BAD_INPUT', `input could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!parsed.success) return refuse('BAD_INPUT', `${route}: ${schemaReason(parsed.error)}`);

    if (spec.kind === 'unary') {
      try {
        const handler = handlers[route as UnaryRouteName] as (input: unknown) => Promise<unknown>;
        const output = spec.output.safeParse(await handler(parsed.data));
        if (!output.success) return refuse('INTERNAL', `${route} produced output outside the contract: ${schemaReason(output.error)}`);
        return { ok: true, output: output.data };
      } catch (error) {
        return { ok: false, error: toApiError(error) };
      }
    }

    if (!emit) return refuse('BAD_INPUT', `${route} is a stream: it needs an event callback`);
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) stop.abort();
    let failed = false;
    const send = (event: unknown) => {
      if (failed) return;
      const checked = spec.event.safeParse(event);
      if (checked.success) return emit(checked.data);
      failed = true;
      stop.abort();
      emit({ type: 'error', code: 'INTERNAL', message: `${route} produced an event outside the contract: ${schemaReason(checked.error)}` });
    };
    try {
      const handler = handlers[route as StreamRouteName] as (input: unknown, emit: (event: unknown) => void, signal: AbortSignal) => Promise<void>;
      await handler(parsed.data, send, stop.signal);
    } catch (error) {
      send({ type: 'error', ...toApiError(error) });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    return { ok: true, output: null };
  };
}
