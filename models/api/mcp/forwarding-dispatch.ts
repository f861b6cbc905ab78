import type { ApiErrorBody } from '../../contract/schemas.js';
import type { ApiResult, Dispatch } from '../dispatch.js';
import type { ServeDiscovery } from '../serve-discovery.js';

/** A forwarded call waits this long for the serving process (a Memory Manager run with a local model can take a while). */
const FORWARD_TIMEOUT_MS = 120_000;

/**
 * A `Dispatch` that answers each unary route by calling the process that
 * holds the profile (`memr1 serve`) over its HTTP API, so a second process
 * never opens the profile's store. Streams are not forwarded: the MCP tools
 * use none.
 */
export function forwardingDispatch(target: Pick<ServeDiscovery, 'url' | 'token' | 'pid'>): Dispatch {
  return async (route, input, emit) => {
    if (emit) return refusal('BAD_INPUT', `${route} is a stream, and streams are not forwarded to memr1 serve`);
    let response: Response;
    try {
      response = await fetch(`${target.url}/api/${encodeURIComponent(route)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
        body: JSON.stringify(input ?? {}),
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
    } catch (error) {
      return refusal(
        'INTERNAL',
        `memr1 serve (pid ${target.pid}, ${target.url}), which holds this profile, did not answer (${(error as Error).message}); ` +
          'if it stopped, restart this MCP server so that it opens the profile itself',
      );
    }
    const body = (await response.json().catch(() => undefined)) as { error?: ApiErrorBody } | undefined;
    if (response.ok) return { ok: true, output: body };
    if (body?.error) return { ok: false, error: body.error };
    return refusal('INTERNAL', `memr1 serve answered ${response.status} without an API error`);
  };
}

const refusal = (code: ApiErrorBody['code'], message: string): ApiResult => ({ ok: false, error: { code, message } });
