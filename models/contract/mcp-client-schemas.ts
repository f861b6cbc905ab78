/**
 * Tools using the memory over MCP, as Settings lists them (issue 17): each
 * client the server has seen, by the name it gave in its `initialize`, with
 * the user's switches. Browser-safe: zod only.
 */
import { z } from 'zod';
import { DEFAULT_SCOPE } from './scopes.js';

/** `read-only`: search and recent operations only; `remember` and `forget` are refused. */
export const MCP_ACCESS = ['read-write', 'read-only'] as const;

export const McpClientView = z.object({
  name: z.string(),
  /** Off: every call is refused, with a sentence that says where to turn it on (never empty results). */
  enabled: z.boolean(),
  access: z.enum(MCP_ACCESS),
  /** The one scope the tool reads and writes (`personal` unless the user gives it a project or its own). */
  scope: z.string().default(DEFAULT_SCOPE),
  first_seen: z.string(),
  last_seen: z.string(),
});
export type McpClientView = z.infer<typeof McpClientView>;
