import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadAnswerPolicy, loadManagerPolicy } from '../agents/policy-loader.js';
import { CachingEmbedder } from '../embed/caching-embedder.js';
import { createEmbedder } from '../embed/create-embedder.js';
import type { Embedder } from '../embed/embedder.js';
import { EpisodeRecorder } from '../learning/episode-recorder.js';
import { Updater, type UpdaterOptions } from '../learning/updater.js';
import { ChatModelError, type ChatModel } from '../llm/chat-model.js';
import { OpenAiChatModel } from '../llm/openai-chat.js';
import { EpisodeLog } from '../memory/episode-log.js';
import { exportJson, exportMarkdown, importJson } from '../memory/export.js';
import { FeedbackLog } from '../memory/feedback-log.js';
import { ConversationLog } from '../memory/conversation-log.js';
import { storeHealth } from '../memory/health.js';
import { MessageLog } from '../memory/message-log.js';
import { operationView, withoutVector } from '../memory/records.js';
import { MemoryStore } from '../memory/store.js';
import type { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import type { CategoricalPolicy } from '../rl/categorical-policy.js';
import { profileLayout, type ProfileLayout } from '../util/profile-layout.js';
import { SerialQueue } from '../util/serial-queue.js';
import { recordAnswerFeedback } from './answer-feedback.js';
import { ApiError } from '../contract/api-error.js';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import { ChatModelSlot } from './chat-model-slot.js';
import { runChatTurn, type ChatTurnParts } from './chat-turn.js';
import { clearAllMemories, undoClear } from './clear-memories.js';
import { listSessions, renameSession, sessionHistory, setSessionDeleted } from './conversations.js';
import { ClientKeys } from './client-keys.js';
import { findLocalServers, KNOWN_LOCAL_SERVERS, type LocalServerCandidate } from '../llm/local-servers.js';
import { createDispatcher, type Dispatch, type HostRouteName, type RouteHandlers } from './dispatch.js';
import { McpClients } from './mcp-clients.js';
import type { MemoryProxyOptions } from './openai-proxy/memory-proxy.js';
import { installedModels, SUGGESTED_MODELS } from './model-catalog.js';
import { searchMemories } from './memory-search.js';
import { recallMemories } from './recall.js';
import { listScopes } from './scope-list.js';
import { rememberText } from './remember.js';
import { ModelDownloads } from './model-downloads.js';
import type { LearningSettings } from '../contract/learning-schemas.js';
import { OperationReview } from './operation-review.js';
import { FileSecretStore, type SecretStore } from './secret-store.js';
import { PolicySlot } from '../agents/policy-slot.js';
import { RecentMessages } from './recent-messages.js';
import type { ParsedInput } from '../contract/routes.js';
import type { Settings } from '../contract/schemas.js';
import { loadSettings, saveSettings, settingsView, type StoredSettings } from './settings-file.js';
import { trainingHandlers } from './training-routes.js';

export interface AssistantOptions {
  /** The profile folder: memory database, models, policies and settings live inside. */
  profileDir: string;
  /** A chat model to use instead of the settings' one (tests, benchmarks); disposed with the Assistant. */
  chatModel?: ChatModel;
  /** An embedder to use instead of the settings' one; the caller keeps ownership (it is not disposed). */
  embedder?: Embedder;
  /** Where models are downloaded from (default `$MEMR1_HUB_URL` or the Hugging Face Hub). */
  hubUrl?: string;
  /**
   * `locomo10.json`: the learning updater then also gates each candidate on
   * LoCoMo's validation conversation (default `$MEMR1_LOCOMO`, else none).
   */
  locomoData?: string;
  /** The updater's other knobs (tests and benchmarks: a short schedule minute, small recipes). */
  learning?: Omit<UpdaterOptions, 'locomoData'>;
  /** Where the model server's API key is kept (the desktop app: Electron's safeStorage); default a 0600 file in the profile. */
  secrets?: SecretStore;
  /** The ports `models.local_servers` looks at (default: the common servers' own, `KNOWN_LOCAL_SERVERS`; tests give their fakes'). */
  localServers?: readonly LocalServerCandidate[];
}

/** Everything `open` prepares for one profile. */
interface OpenedProfile {
  layout: ProfileLayout;
  /** The settings in use; replaced (not mutated) when they change. */
  current: { settings: StoredSettings };
  store: MemoryStore;
  embedder: CachingEmbedder;
  ownsEmbedder: boolean;
  chatModel: ChatModelSlot;
  policies: { answer: PolicySlot<BernoulliPolicy>; manager: PolicySlot<CategoricalPolicy> };
  messages: MessageLog;
  feedback: FeedbackLog;
  episodes: EpisodeLog;
  updater: Updater;
  warnings: string[];
  hubUrl: string | undefined;
  secrets: SecretStore;
  localServers: readonly LocalServerCandidate[];
}

/** Recently embedded texts kept: a turn embeds its question and its facts twice each. */
const EMBEDDING_CACHE_ENTRIES = 256;

/**
 * One open profile, and every API route implemented on it (DESIGN §8). It
 * holds the profile's writer lock from `open` to `close`. Transports call
 * `dispatch`, which validates input and output against the route table.
 */
export class Assistant {
  readonly dispatch: Dispatch;
  private readonly shutdown = new AbortController();
  private readonly activeStreams = new Set<Promise<unknown>>();
  private readonly settingsChanges = new SerialQueue();
  private readonly turn: ChatTurnParts;
  private readonly review: OperationReview;
  private readonly downloads: ModelDownloads;
  private readonly mcpClients: McpClients;
  private closing: Promise<void> | undefined;
  /** Chat turns being served now: while there are any, a learning run backs off. */
  private chatTurns = 0;
  /** Each reply in progress, by turn id, for the user's Stop. */
  private readonly replies = new Map<string, AbortController>();

  private readonly layout: ProfileLayout;
  private readonly current: { settings: StoredSettings };
  private readonly store: MemoryStore;
  private readonly embedder: CachingEmbedder;
  private readonly ownsEmbedder: boolean;
  private readonly chatModel: ChatModelSlot;
  private readonly policies: OpenedProfile['policies'];
  private readonly feedback: FeedbackLog;
  private readonly updater: Updater;
  private readonly secrets: SecretStore;
  private readonly localServers: readonly LocalServerCandidate[];
  /** Why a trained policy could not be used when the profile opened (the prior-only policy stands in). */
  readonly warnings: string[];

  private constructor(profile: OpenedProfile) {
    this.layout = profile.layout;
    this.current = profile.current;
    this.store = profile.store;
    this.embedder = profile.embedder;
    this.ownsEmbedder = profile.ownsEmbedder;
    this.chatModel = profile.chatModel;
    this.policies = profile.policies;
    this.feedback = profile.feedback;
    this.updater = profile.updater;
    this.warnings = profile.warnings;
    this.secrets = profile.secrets;
    this.localServers = profile.localServers;
    const { store, embedder, messages, episodes } = profile;
    const learning = () => this.current.settings.learning.enabled;
    this.turn = {
      store,
      embedder,
      messages,
      recent: new RecentMessages(messages),
      answerPolicy: profile.policies.answer,
      managerPolicy: profile.policies.manager,
      recorder: new EpisodeRecorder(episodes, learning),
      ingests: new SerialQueue(),
      conversations: ConversationLog.open(profile.layout.conversations),
      reply: () => ({ temperature: this.current.settings.temperature, instructions: this.current.settings.system_prompt }),
      closing: this.shutdown.signal,
    };
    this.review = new OperationReview(store, profile.feedback, learning);
    this.downloads = new ModelDownloads(profile.layout.models, profile.hubUrl);
    this.mcpClients = new McpClients({ current: () => this.current.settings, change: (next) => this.changeSettings(next) });
    this.dispatch = createDispatcher(this.handlers());
  }

  static async open(options: AssistantOptions): Promise<Assistant> {
    const layout = profileLayout(options.profileDir);
    mkdirSync(layout.dir, { recursive: true });
    const current = { settings: await loadSettings(layout.settings) };
    // The app's event loop serves the chat: its embedding workers run below it (use-lite-pool.ts).
    const inner = options.embedder ?? (await createEmbedder(current.settings.embedder, { background: true }));
    const embedder = new CachingEmbedder(inner, EMBEDDING_CACHE_ENTRIES);
    let store: MemoryStore | undefined;
    try {
      const [answer, manager] = [await loadAnswerPolicy(layout.policies), await loadManagerPolicy(layout.policies)];
      store = await MemoryStore.open({ uri: layout.memory, embedder });
      const { messages, feedback, episodes } = store.tables;
      if (!episodes) throw new Error(`the memory database at ${layout.memory} has no episodes table`); // a writable open creates it
      const secrets = options.secrets ?? new FileSecretStore(layout.apiKey);
      const chatModel = new ChatModelSlot(current.settings.chat_model, current.settings.device, layout.models, secrets, options.chatModel);
      const policies = { answer: new PolicySlot(answer), manager: new PolicySlot(manager) };
      const logs = { messages: new MessageLog(messages, store.maintenance), feedback: new FeedbackLog(feedback, store.maintenance), episodes: new EpisodeLog(episodes, store.maintenance) };
      const locomoData = options.locomoData ?? process.env.MEMR1_LOCOMO;
      const updater = await Updater.open(
        { profileDir: layout.dir, policiesDir: layout.policies, store, embedder, ...logs, policies, settings: () => current.settings },
        { ...options.learning, ...(locomoData ? { locomoData } : {}) },
      );
      const warnings = [...answer.warnings, ...manager.warnings];
      return new Assistant({ layout, current, store, embedder, ownsEmbedder: !options.embedder, chatModel, policies, ...logs, updater, warnings, hubUrl: options.hubUrl, secrets, localServers: options.localServers ?? KNOWN_LOCAL_SERVERS });
    } catch (error) {
      await store?.close();
      if (!options.embedder) await inner.dispose();
      throw error;
    }
  }

  get profileDir(): string {
    return this.layout.dir;
  }

  /** The chat model in use (Settings), loaded on first use: what the memory proxy answers with. */
  replyModel(): Promise<ChatModel> {
    return this.chatModel.get();
  }

  /** What the OpenAI-compatible memory proxy answers with: the chat model in use, and the clients' keys (`clients.json`). */
  proxyOptions(): Omit<MemoryProxyOptions, 'dispatch'> {
    return { model: () => this.replyModel(), keys: new ClientKeys(this.layout.clients) };
  }

  /**
   * Graceful shutdown: stops replies and downloads in progress (a download
   * resumes next time), lets a Memory Manager run that already started
   * finish, then flushes and closes the store and releases the profile.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.shutdown.abort();
      await this.updater.close(); // a run in progress is stopped: its stream ends, the policies in use stay
      await Promise.allSettled(this.activeStreams);
      await this.store.close();
      this.policies.answer.dispose();
      this.policies.manager.dispose();
      await this.chatModel.dispose();
      if (this.ownsEmbedder) await this.embedder.dispose();
    })();
    return this.closing;
  }

  private handlers(): Omit<RouteHandlers, HostRouteName> {
    const store = this.store;
    const training = trainingHandlers({ updater: this.updater, configure: (patch) => this.configureLearning(patch) });
    return {
      'chat.history': (input) => sessionHistory(this.turn, input),
      'chat.send': (input, emit, signal) => this.track(() => this.chatSend(input, emit, signal)),
      'chat.stop': async ({ turn_id }) => {
        const reply = this.replies.get(turn_id);
        reply?.abort();
        return { stopped: reply !== undefined };
      },
      'chat.locate': async ({ message_id }) => {
        const message = await this.turn.messages.get(message_id);
        if (!message) throw new ApiError('NOT_FOUND', 'That source is not a message of any chat here (it came from an import, or its chat is gone).');
        return { session_id: message.session_id, message_id: message.id };
      },
      'chat.sessions': (input) => listSessions(this.turn, input),
      'chat.rename': (input) => renameSession(this.turn, input),
      'chat.delete': (input) => setSessionDeleted(this.turn, input),
      'chat.feedback': (input) =>
        recordAnswerFeedback({ messages: this.turn.messages, feedback: this.feedback, conversations: this.turn.conversations, learning: this.current.settings.learning.enabled }, input),

      'memory.list': async ({ offset, limit, subject, from, to, scope }) => {
        const page = await store.list({ offset, limit, subject, from, to, scope });
        return { total: page.total, items: page.items.map(withoutVector) };
      },
      'memory.search': async ({ query, k, subject, from, to, scope }) => ({ items: await searchMemories(store, this.embedder, query, k, { subject, from, to, scope }) }),
      'memory.recall': async ({ query, scope }) => ({ items: await recallMemories(this.turn, query, scope ?? DEFAULT_SCOPE) }),
      'memory.remember': async (input) => ({ items: (await this.track(() => rememberText(this.turn, () => this.chatModel.get(), input))).map(operationView) }),
      'memory.get': async ({ id }) => withoutVector(await store.get(id)),
      'memory.add': async ({ text, subject, event_time, scope }) => operationView(await store.add({ text, subject, event_time: event_time ?? null, ...(scope && { scope }) })),
      'memory.edit': async ({ id, text, subject, event_time, scope }) => operationView(await store.edit(id, { text, subject, event_time, scope })),
      'memory.delete': async ({ id, origin, scope }) => {
        // A tool deletes only in its own scope: a memory elsewhere is, for it, not there.
        if (scope !== undefined && (await store.get(id)).scope !== scope) throw new ApiError('NOT_FOUND', `no memory with id ${id} in the scope "${scope}"`);
        return operationView(await store.delete(id, origin ? { origin } : {}));
      },
      'memory.scopes': async () => ({ items: await listScopes(store, this.turn.conversations, this.mcpClients) }),
      'memory.history': async ({ id }) => ({ items: (await store.history(id)).map(operationView) }),
      'memory.undo': async ({ op_id }) => operationView(await store.undo(op_id)),
      'memory.export': async ({ format }) => {
        const date = new Date().toISOString().slice(0, 10);
        if (format === 'json') return { filename: `memories-${date}.json`, content: JSON.stringify(await exportJson(store), null, 1) };
        return { filename: `memories-${date}.md`, content: await exportMarkdown(store) };
      },
      'memory.clear': () => clearAllMemories(store),
      'memory.undo_clear': ({ clear_id }) => undoClear(store, clear_id),
      'memory.import': async ({ content }) => {
        let data: unknown;
        try {
          data = JSON.parse(content);
        } catch (error) {
          throw new ApiError('BAD_INPUT', `That file is not JSON (${(error as Error).message}). Import takes a file made by "Export JSON".`);
        }
        return { imported: (await importJson(store, data)).imported };
      },

      'ops.list': async ({ status, turn_id, scope, limit }) => {
        const ops = await store.recentOperations(limit, 0, { status, turn_id, scope });
        if (status !== 'applied') return { items: ops.map(operationView) };
        // The review queue: each item says whether its memory changed since.
        const outdated = await this.review.outdatedAmong(ops);
        return {
          items: ops.map((op) => {
            const changed = outdated.get(op.op_id);
            return { ...operationView(op), ...(changed && { outdated: { current: changed.current && withoutVector(changed.current) } }) };
          }),
        };
      },
      'ops.accept': async ({ op_id }) => operationView(await this.review.accept(op_id)),
      'ops.reject': async ({ op_id }) => operationView(await this.review.reject(op_id)),
      'ops.edit': async ({ op_id, text }) => operationView(await this.review.edit(op_id, text)),
      'ops.dismiss': async ({ op_id }) => operationView(await this.review.dismiss(op_id)),

      'models.list': async () => ({ current: this.current.settings.chat_model, installed: await installedModels(this.layout.models), suggested: [...SUGGESTED_MODELS] }),
      'models.select': ({ spec }) => this.updateSettings({ chat_model: spec }),
      'models.local_servers': async () => ({ items: await findLocalServers(this.localServers) }),
      'models.server_models': async ({ base_url }) => ({ models: await OpenAiChatModel.listModels(base_url, (await this.secrets.get()) ?? process.env.MEMR1_LLM_API_KEY) }),
      'models.status': async () => ({ chat: this.chatModel.status(), embedder: { spec: this.current.settings.embedder, dimension: this.embedder.dimension } }),
      'models.download': ({ id, dtype }, emit, signal) => this.track(() => this.downloads.run(id, dtype, emit, AbortSignal.any([signal, this.shutdown.signal]))),

      ...training,
      'training.start': (input, emit, signal) => this.track(() => training['training.start'](input, emit, signal)),

      'store.health': () => storeHealth(this.layout.memory, store.maintenance.state),

      'mcp.clients': async () => ({ items: this.mcpClients.list() }),
      'mcp.configure_client': (input) => this.mcpClients.configure(input),
      'mcp.admit': (input) => this.mcpClients.admit(input),

      'settings.get': async () => settingsView(this.current.settings, this.layout.dir, (await this.secrets.get()) !== undefined),
      'settings.update': (patch) => this.updateSettings(patch),
    };
  }

  private async chatSend(input: ParsedInput<'chat.send'>, emit: Parameters<RouteHandlers['chat.send']>[1], signal: AbortSignal): Promise<void> {
    if (this.chatTurns++ === 0) this.updater.setChatBusy(true);
    const turnId = randomUUID();
    const stop = new AbortController();
    this.replies.set(turnId, stop);
    try {
      let replied = false;
      const watch: typeof emit = (event) => {
        if (event.type === 'done' && !replied) {
          replied = true;
          this.chatModel.recordCall();
        }
        emit(event);
      };
      try {
        await runChatTurn(this.turn, () => this.chatModel.get(), input, watch, AbortSignal.any([signal, this.shutdown.signal, stop.signal]), turnId);
      } catch (error) {
        // Only the model's own failures say it is unwell; a stop by the user or a memory error does not.
        if (!replied && error instanceof ChatModelError) this.chatModel.recordCall(error.message);
        throw error;
      }
    } finally {
      this.replies.delete(turnId);
      if (--this.chatTurns === 0) this.updater.setChatBusy(false);
    }
  }

  /**
   * Settings change one at a time. A new chat model must load (or connect)
   * before it is saved; the embedder is fixed by the memories already stored.
   */
  private updateSettings(patch: ParsedInput<'settings.update'>): Promise<Settings> {
    return this.settingsChanges.run(async () => {
      const next: StoredSettings = {
        ...this.current.settings,
        chat_model: patch.chat_model === undefined ? this.current.settings.chat_model : patch.chat_model,
        embedder: patch.embedder ?? this.current.settings.embedder,
        device: patch.device ?? this.current.settings.device,
        theme: patch.theme ?? this.current.settings.theme,
        temperature: patch.temperature ?? this.current.settings.temperature,
        system_prompt: patch.system_prompt ?? this.current.settings.system_prompt,
      };
      if (next.embedder !== this.current.settings.embedder) {
        throw new ApiError(
          'CONFLICT',
          `this profile's memories were embedded with ${this.store.meta.embedder_id} ("${this.current.settings.embedder}"), and vectors of different embedders do not compare. ` +
            'To switch, export the memories, open a new profile with the new embedder, and import them there',
        );
      }
      // Only a chat model named in the change is loaded now; one already in use is kept. A new key reconnects a server model.
      const previousKey = await this.secrets.get();
      if (patch.api_key !== undefined) await this.secrets.set(patch.api_key);
      const keyChanged = patch.api_key !== undefined && next.chat_model?.startsWith('openai:');
      const loaded = next.chat_model === this.current.settings.chat_model && this.chatModel.status().ready && !keyChanged;
      try {
        if ((patch.chat_model !== undefined || keyChanged) && !loaded) await this.chatModel.select(next.chat_model, next.device);
        else await this.chatModel.setDevice(next.device);
      } catch (error) {
        if (patch.api_key !== undefined) await this.secrets.set(previousKey ?? null); // a key the server refused is not kept
        throw error;
      }
      await saveSettings(this.layout.settings, next);
      this.current.settings = next;
      return settingsView(next, this.layout.dir, (await this.secrets.get()) !== undefined);
    });
  }

  /** Saves the learning settings with the others; the updater then stops a run (learning off) and reschedules. */
  private async configureLearning(patch: Partial<LearningSettings>): Promise<void> {
    await this.changeSettings((settings) => ({ ...settings, learning: { ...settings.learning, ...patch } }));
    await this.updater.settingsChanged();
  }

  /** Saves a change to the settings, in turn with every other change. */
  private changeSettings(next: (settings: StoredSettings) => StoredSettings): Promise<StoredSettings> {
    return this.settingsChanges.run(async () => {
      const changed = next(this.current.settings);
      await saveSettings(this.layout.settings, changed);
      this.current.settings = changed;
      return changed;
    });
  }

  /** Runs a stream (or a Memory Manager run) and keeps its promise until it ends, so `close` can wait for it. */
  private track<T>(stream: () => Promise<T>): Promise<T> {
    if (this.shutdown.signal.aborted) return Promise.reject(new ApiError('INTERNAL', 'the assistant is shutting down'));
    const work = stream();
    this.activeStreams.add(work);
    return work.finally(() => this.activeStreams.delete(work));
  }
}
