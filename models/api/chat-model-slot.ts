import { existsSync, statSync } from 'node:fs';
import type { ChatModel } from '../llm/chat-model.js';
import { createChatModel } from '../llm/create-chat-model.js';
import { modelFolder } from '../llm/hub-download.js';
import { OpenAiChatModel } from '../llm/openai-chat.js';
import type { OnnxDevice } from '../llm/onnx-device.js';
import { ApiError } from '../contract/api-error.js';
import { folderDtypes, installedDtypes } from './model-catalog.js';
import type { Settings } from '../contract/schemas.js';
import type { SecretStore } from './secret-store.js';

export interface ChatModelStatus {
  spec: string | null;
  ready: boolean;
  info?: { id: string; backend: string; device: string; deviceReason?: string };
  error?: string;
  /** How the model's last call went (a chat turn); null before the first one. */
  last_call: { ok: boolean; at: string; error?: string } | null;
}

/** The settings' device choice as an ONNX Runtime device: `gpu` is the platform's GPU provider. */
function onnxDevice(choice: Settings['device']): OnnxDevice | 'auto' {
  if (choice !== 'gpu') return choice;
  return process.platform === 'win32' ? 'dml' : process.platform === 'darwin' ? 'coreml' : 'cuda';
}

/**
 * Builds a chat model from a spec without ever downloading: a Hub id must be
 * downloaded first (`models.download`), so choosing a model never starts a
 * gigabyte transfer behind the user's back. The dtype is the best one on disk.
 */
async function loadChatModel(spec: string, device: Settings['device'], modelsDir: string, secrets: SecretStore): Promise<ChatModel> {
  const openai = /^openai:(.+)#(.+)$/.exec(spec);
  if (openai) {
    // The key stored in Settings, else the one the environment gives (the CLI's way).
    const apiKey = (await secrets.get()) ?? process.env.MEMR1_LLM_API_KEY;
    return OpenAiChatModel.connect({ baseUrl: openai[1]!, model: openai[2]!, ...(apiKey ? { apiKey } : {}) });
  }
  const onnx = /^onnx:(.+)$/.exec(spec);
  if (!onnx) return createChatModel(spec, { modelsDir });
  const source = onnx[1]!;
  const isFolder = existsSync(source) && statSync(source).isDirectory();
  const [dtype] = isFolder ? folderDtypes(source) : installedDtypes(modelFolder(modelsDir, source));
  if (!dtype) {
    throw new ApiError(
      'NOT_FOUND',
      isFolder ? `${source} holds no ONNX weights (onnx/model*.onnx)` : `${source} is not downloaded yet: download it first (Settings, or \`memr1 models download ${source}\`)`,
    );
  }
  return createChatModel(spec, { modelsDir, dtype, device: onnxDevice(device) });
}

/**
 * The profile's chat model: loaded on first use from the settings' spec (the
 * app should not wait at startup for weights a session may never need),
 * replaced only by a model that loaded, and disposed when replaced or closed.
 */
export class ChatModelSlot {
  private model: ChatModel | undefined;
  private loading: Promise<ChatModel> | undefined;
  private lastError: string | undefined;
  private lastCall: ChatModelStatus['last_call'] = null;

  constructor(
    private spec: string | null,
    private device: Settings['device'],
    private readonly modelsDir: string,
    /** The model server's API key. */
    private readonly secrets: SecretStore,
    /** A model given by the caller (tests, benchmarks): used until another is selected. */
    injected?: ChatModel,
  ) {
    this.model = injected;
  }

  /** The model for a turn; NO_CHAT_MODEL when none is set up. */
  async get(): Promise<ChatModel> {
    if (this.model) return this.model;
    if (this.spec === null) {
      throw new ApiError('NO_CHAT_MODEL', 'No chat model is set up yet: pick one in Settings (a local model to download, or an OpenAI-compatible server).');
    }
    this.loading ??= this.loadCurrent(this.spec, this.device);
    return this.loading;
  }

  private async loadCurrent(spec: string, device: Settings['device']): Promise<ChatModel> {
    const current = () => this.spec === spec && this.device === device;
    try {
      const model = await loadChatModel(spec, device, this.modelsDir, this.secrets);
      if (!current()) {
        await model.dispose();
        throw new ApiError('CONFLICT', 'the chat model was changed in Settings while it loaded; send the message again');
      }
      this.model = model;
      this.lastError = undefined;
      return model;
    } catch (error) {
      if (current()) this.lastError = error instanceof Error ? error.message : String(error); // the next turn tries again
      throw error;
    } finally {
      if (current()) this.loading = undefined;
    }
  }

  /**
   * Records how a call to the model went, so the status says whether the
   * model works now, not only whether it is configured: a server that went
   * away shows as failing from the first reply that could not reach it.
   */
  recordCall(error?: string): void {
    this.lastCall = { ok: error === undefined, at: new Date().toISOString(), ...(error === undefined ? {} : { error }) };
  }

  /** Loads `spec` (null: none); only when it loads does it replace the current model. */
  async select(spec: string | null, device: Settings['device']): Promise<void> {
    const next = spec === null ? undefined : await loadChatModel(spec, device, this.modelsDir, this.secrets);
    const previous = this.model;
    this.model = next;
    this.spec = spec;
    this.device = device;
    this.loading = undefined;
    this.lastError = undefined;
    // Loading it was a call that worked (a server model answered its model list).
    this.lastCall = spec === null ? null : { ok: true, at: new Date().toISOString() };
    await previous?.dispose();
  }

  /** A new device takes effect at the next load; a loaded remote model does not care. */
  async setDevice(device: Settings['device']): Promise<void> {
    if (device === this.device) return;
    this.device = device;
    if (this.model?.info.backend !== 'onnx') return;
    const previous = this.model;
    this.model = undefined;
    this.loading = undefined;
    await previous.dispose();
  }

  status(): ChatModelStatus {
    const info = this.model?.info;
    return {
      spec: this.spec ?? info?.id ?? null,
      ready: this.model !== undefined,
      ...(info ? { info: { id: info.id, backend: info.backend, device: info.device, deviceReason: info.deviceReason } } : {}),
      ...(this.lastError ? { error: this.lastError } : {}),
      last_call: this.lastCall,
    };
  }

  async dispose(): Promise<void> {
    await this.model?.dispose();
    this.model = undefined;
  }
}
