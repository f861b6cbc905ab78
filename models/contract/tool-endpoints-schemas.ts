/**
 * Where other tools on this machine reach the memory (issue 17), as the
 * Settings screen shows it: web mode's and the desktop app's `/mcp` and
 * `/v1`. Browser-safe: zod only.
 */
import { z } from 'zod';

export const ToolEndpointsView = z
  .object({
    /** MCP over streamable HTTP. */
    mcp_url: z.string(),
    /** The Bearer token for `mcp_url`; only when asked for (`reveal_token`), so it is not on screen by default. */
    mcp_token: z.string().optional(),
    /** The OpenAI-compatible memory proxy's base URL (`…/v1`); null where none is served. */
    proxy_url: z.string().nullable(),
    /** Something the user should know about the address, such as the usual port being taken this time. */
    notice: z.string().nullable(),
  })
  // null: nothing is served (the desktop app has not opened its endpoints, or could not).
  .nullable();
export type ToolEndpointsView = z.infer<typeof ToolEndpointsView>;
