import { homedir } from 'node:os';
import { join } from 'node:path';

/** What lives where inside one profile's folder. */
export interface ProfileLayout {
  dir: string;
  /** The LanceDB memory database. */
  memory: string;
  /** Downloaded chat models. */
  models: string;
  /** Trained policy checkpoints. */
  policies: string;
  /** The app's settings (written atomically). */
  settings: string;
  /** Chat titles, deletions, and how each reply ended (JSON lines, appended). */
  conversations: string;
  /** The model server's API key (mode 0600), in web mode and the CLI. */
  apiKey: string;
  /** Other tools' keys for the OpenAI-compatible memory proxy (hashes only, mode 0600). */
  clients: string;
  /** The token MCP clients send to `/mcp` (mode 0600), kept across runs so a configured tool keeps working. */
  mcpToken: string;
}

export function profileLayout(dir: string): ProfileLayout {
  return { dir, memory: join(dir, 'memory'), models: join(dir, 'models'), policies: join(dir, 'policies'), settings: join(dir, 'settings.json'), conversations: join(dir, 'conversations.jsonl'), apiKey: join(dir, 'api-key'), clients: join(dir, 'clients.json'), mcpToken: join(dir, 'mcp-token') };
}

/** The default profile's folder: `$MEMR1_HOME/profiles/default`, `$MEMR1_HOME` defaulting to `~/.memr1`. */
export function defaultProfileDir(): string {
  return join(process.env.MEMR1_HOME ?? join(homedir(), '.memr1'), 'profiles', 'default');
}
