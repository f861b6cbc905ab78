import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { safeStorage } from 'electron';
import { FileSecretStore, type SecretStore } from '../models/api/secret-store.js';

/** The sealed key's file in the profile. */
export const SEALED_KEY_FILE = 'api-key.sealed';

/**
 * The chat server's API key, encrypted with the operating system's keychain
 * through Electron's `safeStorage` (Keychain on macOS, DPAPI on Windows, the
 * Secret Service or KWallet on Linux), in a 0600 file of the profile. Where
 * no keychain is available (`isEncryptionAvailable()` false) the desktop app
 * keeps the plain 0600 file web mode uses, and says so at start.
 */
export class SafeStorageSecretStore implements SecretStore {
  private readonly file: FileSecretStore;

  constructor(private readonly path: string) {
    this.file = new FileSecretStore(path);
  }

  async get(): Promise<string | undefined> {
    if (!existsSync(this.path)) return undefined;
    const sealed = Buffer.from((await readFile(this.path, 'utf8')).trim(), 'base64');
    return sealed.length ? safeStorage.decryptString(sealed) : undefined;
  }

  async set(value: string | null): Promise<void> {
    if (value === null) return rm(this.path, { force: true });
    // Base64 of the sealed bytes, written as the file store writes: created 0600, replaced atomically.
    return this.file.set(safeStorage.encryptString(value).toString('base64'));
  }
}

/**
 * The desktop app's key store: the keychain where there is one; else none,
 * so the engine keeps its 0600 file, and `warning` says why.
 */
export function desktopSecretStore(profileDir: string): { store?: SecretStore; warning?: string } {
  if (safeStorage.isEncryptionAvailable()) return { store: new SafeStorageSecretStore(join(profileDir, SEALED_KEY_FILE)) };
  return { warning: "no keychain is available: the chat server's API key is kept in a file only you can read (api-key, mode 0600)" };
}
