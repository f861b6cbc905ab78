import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_EMBEDDER } from '../embed/create-embedder.js';
import { schemaReason } from '../util/zod-reason.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { LearningSettings } from '../contract/learning-schemas.js';
import { McpClientView } from '../contract/mcp-client-schemas.js';
import { DEFAULT_TEMPERATURE, DEVICE_CHOICES, MAX_SYSTEM_PROMPT_CHARS, THEMES, type Settings } from '../contract/schemas.js';

/** Learning is off until the user opts in (DESIGN §9); the rest are the Learning screen's starting choices. */
export const DEFAULT_LEARNING: LearningSettings = { enabled: false, algo: 'grpo', schedule_minutes: 60, min_new_feedback: 5, keep_versions: 5 };

/** `LearningSettings` with a default per field, so a file from before learning (or a partial one) loads. */
const { shape } = LearningSettings;
const StoredLearning = z.object({
  enabled: shape.enabled.default(DEFAULT_LEARNING.enabled),
  algo: shape.algo.default(DEFAULT_LEARNING.algo),
  schedule_minutes: shape.schedule_minutes.default(DEFAULT_LEARNING.schedule_minutes),
  min_new_feedback: shape.min_new_feedback.default(DEFAULT_LEARNING.min_new_feedback),
  keep_versions: shape.keep_versions.default(DEFAULT_LEARNING.keep_versions),
});

/** What `settings.json` holds: every field has a default, so an older or hand-trimmed file still loads. */
const StoredSettings = z.object({
  chat_model: z.string().min(1).nullable().default(null),
  embedder: z.string().min(1).default(DEFAULT_EMBEDDER),
  device: z.enum(DEVICE_CHOICES).default('auto'),
  theme: z.enum(THEMES).default('system'),
  temperature: z.number().min(0).max(2).default(DEFAULT_TEMPERATURE),
  system_prompt: z.string().max(MAX_SYSTEM_PROMPT_CHARS).default(''),
  learning: StoredLearning.default(DEFAULT_LEARNING),
  /** The MCP clients seen and the user's switches for each, by name. */
  mcp_clients: z.record(z.string(), McpClientView.omit({ name: true })).default({}),
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

/** The settings as clients see them: whether an API key is set, never the key itself. */
export function settingsView(stored: StoredSettings, profileDir: string, apiKeySet: boolean): Settings {
  return { ...stored, profile_dir: profileDir, api_key_set: apiKeySet };
}
