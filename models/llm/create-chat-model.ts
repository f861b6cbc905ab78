import { existsSync, statSync } from 'node:fs';
import type { ChatModel } from './chat-model.js';
import { ChatModelError } from './chat-model.js';
import { downloadModel, isInstalled, modelFolder, type DownloadProgress } from './hub-download.js';
import { OnnxChatModel } from './onnx-chat.js';
import type { OnnxDevice } from './onnx-device.js';
import type { OnnxDtype } from './onnx-dtype.js';
import { OpenAiChatModel } from './openai-chat.js';

/**
 * The model a new profile uses: small enough for a laptop CPU (about 0.5 GB in
 * q8), instruction-tuned, with a chat template, and good enough at JSON output
 * for the agents' prompts. `onnx-community/Qwen2.5-1.5B-Instruct` is the next step up.
 */
export const DEFAULT_CHAT_MODEL = 'onnx-community/Qwen2.5-0.5B-Instruct';
export const DEFAULT_DTYPE: OnnxDtype = 'q8';

export interface ChatModelOptions {
  /** The profile's models folder, for Hub ids. */
  modelsDir: string;
  dtype?: OnnxDtype;
  device?: OnnxDevice | 'auto';
  hubUrl?: string;
  /** Called while a Hub model downloads on first use. */
  onDownloadProgress?: (progress: DownloadProgress) => void;
}

/**
 * Builds a chat model from a spec (the CLI's `--llm`):
 * - `onnx:<folder>`: a local model folder in the Hugging Face ONNX layout;
 * - `onnx:<org>/<name>`: a Hub model, downloaded into the profile on first use;
 * - `openai:<base-url>#<model>`: an OpenAI-compatible server (Ollama, llama.cpp,
 *   LM Studio, vLLM); the key, if any, comes from `MEMR1_LLM_API_KEY`.
 */
export async function createChatModel(spec: string, options: ChatModelOptions): Promise<ChatModel> {
  const openai = /^openai:(.+)#(.+)$/.exec(spec);
  if (openai) {
    const apiKey = process.env.MEMR1_LLM_API_KEY;
    return OpenAiChatModel.connect({ baseUrl: openai[1]!, model: openai[2]!, ...(apiKey ? { apiKey } : {}) });
  }
  const onnx = /^onnx:(.+)$/.exec(spec);
  if (!onnx) throw new ChatModelError('INVALID_OPTIONS', `unknown model "${spec}"; use onnx:<folder-or-hub-id> or openai:<base-url>#<model>`);
  const source = onnx[1]!;
  const dtype = options.dtype ?? DEFAULT_DTYPE;
  const load = { dtype, device: options.device ?? 'auto' } as const;
  if (existsSync(source) && statSync(source).isDirectory()) return OnnxChatModel.load(source, load);
  const folder = modelFolder(options.modelsDir, source);
  if (!isInstalled(folder, dtype)) {
    await downloadModel(source, {
      modelsDir: options.modelsDir,
      dtype,
      ...(options.hubUrl ? { hubUrl: options.hubUrl } : {}),
      ...(options.onDownloadProgress ? { onProgress: options.onDownloadProgress } : {}),
    });
  }
  return OnnxChatModel.load(folder, { ...load, name: source });
}
