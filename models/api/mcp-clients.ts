import { ApiError } from '../contract/api-error.js';
import { readOrigin } from '../contract/origins.js';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { McpClientView } from '../contract/mcp-client-schemas.js';
import type { ParsedInput } from '../contract/routes.js';
import type { StoredSettings } from './settings-file.js';

/** A client's `last_seen` is saved at most this often (every call would rewrite the settings file). */
const LAST_SEEN_RESOLUTION_MS = 60_000;

/** Reads the settings in use, and applies a change to them (saved, one change at a time). */
export interface SettingsAccess {
  current(): StoredSettings;
  change(next: (settings: StoredSettings) => StoredSettings): Promise<StoredSettings>;
}

/**
 * The user's switches for each tool that uses the memory over MCP, kept in
 * the settings file. A client is listed the first time it calls, on and
 * read-write (the user chose to connect it); turned off, each call is
 * refused with a sentence that says so, never answered with empty results.
 */
export class McpClients {
  constructor(private readonly settings: SettingsAccess) {}

  list(): McpClientView[] {
    return Object.entries(this.settings.current().mcp_clients)
      .map(([name, client]) => ({ name, ...client }))
      .sort((a, b) => b.last_seen.localeCompare(a.last_seen));
  }

  async configure({ name, enabled, access, scope }: ParsedInput<'mcp.configure_client'>): Promise<McpClientView> {
    const saved = await this.settings.change((settings) => {
      const client = settings.mcp_clients[name];
      if (!client) throw new ApiError('NOT_FOUND', `no MCP client named "${name}" has used this memory yet`);
      return { ...settings, mcp_clients: { ...settings.mcp_clients, [name]: { ...client, ...(enabled !== undefined && { enabled }), ...(access && { access }), ...(scope && { scope }) } } };
    });
    return { name, ...saved.mcp_clients[name]! };
  }

  /** Records the call's client, then lets it through or says why not. */
  async admit({ client: origin, write }: ParsedInput<'mcp.admit'>): Promise<McpClientView> {
    // A tool is one switch whichever way it comes: over MCP (`mcp:<name>`) or through the memory proxy (`proxy:<name>`).
    const name = readOrigin(origin).client!;
    const now = new Date();
    const known = this.settings.current().mcp_clients[name];
    const stale = !known || now.getTime() - Date.parse(known.last_seen) > LAST_SEEN_RESOLUTION_MS;
    const client = stale
      ? (
          await this.settings.change((settings) => {
            const seen = settings.mcp_clients[name] ?? { enabled: true, access: 'read-write' as const, scope: DEFAULT_SCOPE, first_seen: now.toISOString() };
            return { ...settings, mcp_clients: { ...settings.mcp_clients, [name]: { ...seen, last_seen: now.toISOString() } } };
          })
        ).mcp_clients[name]!
      : known;
    if (!client.enabled) throw new ApiError('CONFLICT', `memory is turned off for "${name}" in Memory-R1 (Settings, Tools using your memory); turn it on there to let this tool use it`);
    if (write && client.access === 'read-only') {
      throw new ApiError('CONFLICT', `"${name}" may only read this memory (Settings, Tools using your memory); allow it to read and write there to let it remember or forget`);
    }
    return { name, ...client };
  }
}
