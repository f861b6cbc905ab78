import { randomBytes } from 'node:crypto';
import { profileLayout } from '../util/profile-layout.js';
import { FileSecretStore } from './secret-store.js';

/**
 * The profile's MCP token, made once and kept (mode 0600, as the API key):
 * a tool configured with it keeps working after the app restarts. It opens
 * the memory tools only, never the app's own API. Delete the file to make a
 * new one (every configured tool then needs the new token).
 */
export async function stableMcpToken(profileDir: string): Promise<string> {
  const file = new FileSecretStore(profileLayout(profileDir).mcpToken);
  const kept = await file.get();
  if (kept) return kept;
  const token = randomBytes(32).toString('base64url');
  await file.set(token);
  return token;
}
