import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_CHAT_MODEL, DEFAULT_DTYPE } from '../llm/create-chat-model.js';
import { isInstalled, listInstalled, modelFolder } from '../llm/hub-download.js';
import { ONNX_DTYPES, onnxFileFor, type OnnxDtype } from '../llm/onnx-dtype.js';

/** Models the Settings screen offers to download (transformers.js ONNX repositories on the Hub). */
export const SUGGESTED_MODELS = [
  { id: DEFAULT_CHAT_MODEL, description: 'Qwen2.5 0.5B Instruct, q8 (about 0.5 GB): small enough for a laptop CPU; the default.' },
  { id: 'onnx-community/Qwen2.5-1.5B-Instruct', description: "Qwen2.5 1.5B Instruct, q4 (about 1 GB): follows the agents' JSON formats more reliably; wants a recent CPU or a GPU." },
] as const;

/** The default dtype first, then the others in transformers.js's order. */
const DTYPE_PREFERENCE: OnnxDtype[] = [DEFAULT_DTYPE, ...(Object.keys(ONNX_DTYPES) as OnnxDtype[]).filter((d) => d !== DEFAULT_DTYPE)];

export interface InstalledModel {
  id: string;
  dtypes: OnnxDtype[];
  bytes: number;
}

/** The dtypes fully downloaded into a profile model folder. */
export function installedDtypes(folder: string): OnnxDtype[] {
  return DTYPE_PREFERENCE.filter((dtype) => isInstalled(folder, dtype));
}

/** The dtypes whose weights a plain model folder (not downloaded by the app) holds. */
export function folderDtypes(folder: string): OnnxDtype[] {
  return DTYPE_PREFERENCE.filter((dtype) => existsSync(join(folder, onnxFileFor(dtype))));
}

/** Every model downloaded into the profile, with its dtypes and size on disk. */
export async function installedModels(modelsDir: string): Promise<InstalledModel[]> {
  const ids = await listInstalled(modelsDir);
  return Promise.all(
    ids.map(async (id) => {
      const folder = modelFolder(modelsDir, id);
      return { id, dtypes: installedDtypes(folder), bytes: await folderBytes(folder) };
    }),
  );
}

async function folderBytes(folder: string): Promise<number> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const sizes = await Promise.all(entries.filter((e) => e.isFile()).map(async (e) => (await stat(join(e.parentPath, e.name))).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}
