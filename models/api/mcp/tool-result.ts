import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApiResult } from '../dispatch.js';

/**
 * A route's answer as an MCP tool result: the output as JSON text (hosts
 * hand tool results to their model as text), or a tool error (`isError`)
 * whose text starts with the API error's code, so the model, and the person
 * reading the host's log, see why and what to do.
 */
export function toolResult<T>(result: ApiResult, shape: (output: T) => unknown): CallToolResult {
  if (!result.ok) return { isError: true, content: [{ type: 'text', text: `${result.error.code}: ${result.error.message}` }] };
  return { content: [{ type: 'text', text: JSON.stringify(shape(result.output as T), null, 1) }] };
}
