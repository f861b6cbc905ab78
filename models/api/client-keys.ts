import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ApiError } from '../contract/api-error.js';
import { SerialQueue } from '../util/serial-queue.js';
import { FileSecretStore } from './secret-store.js';

/** A client's name: what Review shows as the origin of its changes (`proxy:<name>`). */
export const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

const KeyFile = z.object({
  clients: z.array(z.object({ name: z.string().regex(CLIENT_NAME), key_sha256: z.string().regex(/^[0-9a-f]{64}$/), created_at: z.string() })),
});
type KeyFile = z.infer<typeof KeyFile>;

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/**
 * The keys other tools use for the OpenAI-compatible memory proxy, one per
 * client (Open WebUI, Continue, a script), kept in the profile's
 * `clients.json`. Only a key's SHA-256 is stored: the key itself is shown
 * once, when it is made. The file is read at each lookup, so a key added or
 * removed from the command line takes effect in a running `memr1 serve`.
 */
export class ClientKeys {
  private readonly writes = new SerialQueue();
  /** Written as the API key is: mode 0600 from its first byte, replaced atomically. */
  private readonly file: FileSecretStore;

  constructor(private readonly path: string) {
    this.file = new FileSecretStore(path);
  }

  /** A new client and its key (shown once); `CONFLICT` when the name is taken. */
  async add(name: string): Promise<string> {
    if (!CLIENT_NAME.test(name)) throw new ApiError('BAD_INPUT', `a client name is 1-64 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit; got ${JSON.stringify(name.slice(0, 80))}`);
    return this.writes.run(async () => {
      const file = await this.read();
      if (file.clients.some((c) => c.name === name)) throw new ApiError('CONFLICT', `a client named "${name}" already has a key: remove it first (\`memr1 clients remove "${name}"\`) to make a new one`);
      const key = `memr1-${randomBytes(24).toString('base64url')}`;
      file.clients.push({ name, key_sha256: sha256(key).toString('hex'), created_at: new Date().toISOString() });
      await this.write(file);
      return key;
    });
  }

  /** Removes a client's key; `NOT_FOUND` when there is none. */
  remove(name: string): Promise<void> {
    return this.writes.run(async () => {
      const file = await this.read();
      const kept = file.clients.filter((c) => c.name !== name);
      if (kept.length === file.clients.length) throw new ApiError('NOT_FOUND', `no client named "${name}" (see \`memr1 clients list\`)`);
      await this.write({ clients: kept });
    });
  }

  async list(): Promise<Array<{ name: string; created_at: string }>> {
    return (await this.read()).clients.map(({ name, created_at }) => ({ name, created_at }));
  }

  /** The client a key belongs to, or undefined for an unknown key (compared in constant time). */
  async clientOf(key: string): Promise<string | undefined> {
    const hash = sha256(key);
    return (await this.read()).clients.find((c) => timingSafeEqual(Buffer.from(c.key_sha256, 'hex'), hash))?.name;
  }

  private async read(): Promise<KeyFile> {
    const text = await this.file.get();
    if (text === undefined) return { clients: [] };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = KeyFile.safeParse(json);
    if (!parsed.success) throw new ApiError('INTERNAL', `${this.path} is damaged: remove it and make the clients' keys again (\`memr1 clients add <name>\`)`);
    return parsed.data;
  }

  private async write(file: KeyFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await this.file.set(`${JSON.stringify(file, null, 2)}\n`);
  }
}
