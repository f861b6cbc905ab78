import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_EMBEDDER } from '../embed/create-embedder.js';
import { schemaReason } from '../util/zod-reason.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { DEVICE_CHOICES, THEMES, type Settings } from './schemas.js';

/** What `settings.json` holds: every field has a default, so an older or hand-trimmed file still loads. */
const StoredSettings = z.object({
  chat_model: z.string().min(1).nullable().default(null),
  embedder: z.string().min(1).default(DEFAULT_EMBEDDER),
  device: z.enum(DEVICE_CHOICES).default('auto'),
  theme: z.enum(THEMES).default('system'),
});
export type StoredSettings = z.infer<typeof StoredSettings>;

/** Reads `<profile>/settings.json` (defaults when it does not exist yet); a damaged file is refused with its path. */
export async function loadSettings(path: string): Promise<StoredSettings> {
  if (!existsSync(path)) return StoredSettings.parse({});
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`the settings file ${path} is not JSON (${(error as Error).message}); fix it or delete it to start from the defaults`);
  }
  const parsed = StoredSettings.safeParse(data);
  if (!parsed.success) throw new Error(`the settings file ${path} is not valid (${schemaReason(parsed.error)}); fix it or delete it to start from the defaults`);
  return parsed.data;
}

/** Written atomically: a crash mid-save leaves the previous settings, never a torn file. */
export async function saveSettings(path: string, settings: StoredSettings): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(StoredSettings.parse(settings), null, 2)}\n`);
}

export function settingsView(stored: StoredSettings, profileDir: string): Settings {
  return { ...stored, profile_dir: profileDir };
}
