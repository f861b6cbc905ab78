import { existsSync } from 'node:fs';
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';

/**
 * Where the chat server's API key lives. The engine never sends it back to a
 * client: the settings say only whether one is set. The desktop app may pass
 * one backed by Electron's `safeStorage`; web mode and the CLI use the file.
 */
export interface SecretStore {
  get(): Promise<string | undefined>;
  /** null: forget the key. */
  set(value: string | null): Promise<void>;
}

/**
 * The key in a file only its owner can read or write (0600), replaced
 * atomically: created with that mode before a byte is written, so it is never
 * readable by others, not even for a moment.
 */
export class FileSecretStore implements SecretStore {
  constructor(private readonly path: string) {}

  async get(): Promise<string | undefined> {
    if (!existsSync(this.path)) return undefined;
    const value = (await readFile(this.path, 'utf8')).trim();
    return value || undefined;
  }

  async set(value: string | null): Promise<void> {
    if (value === null) {
      await rm(this.path, { force: true });
      return;
    }
    const tmp = `${this.path}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(value);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(tmp, 0o600); // in case a umask or an old file widened it
    await rename(tmp, this.path);
  }
}
