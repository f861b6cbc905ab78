import { isMemoryError } from '../memory/errors.js';
import { storeHealth } from '../memory/health.js';
import { listTableVersions, restoreDatabase, type RestoreReport } from '../memory/restore.js';
import { profileLayout, type ProfileLayout } from '../util/profile-layout.js';
import { ApiError } from '../contract/api-error.js';
import { ROUTES, isRouteName, type ParsedInput } from '../contract/routes.js';
import type { ApiErrorBody, RestoreReportView } from '../contract/schemas.js';
import { Assistant, type AssistantOptions } from './assistant.js';
import { ClientKeys } from './client-keys.js';
import { createDispatcher, type ApiResult, type Dispatch } from './dispatch.js';
import type { MemoryProxyOptions } from './openai-proxy/memory-proxy.js';
import { FileSecretStore } from './secret-store.js';
import { loadSettings, settingsView } from './settings-file.js';

/**
 * What a transport (web mode, the desktop app's IPC) serves: the profile's
 * `Assistant`, and around it what must work when the Assistant cannot:
 * a memory database that cannot be read still lets the app start, answer
 * `store.health`, `store.versions`, `settings.get` and `store.restore`, and
 * refuse the rest with DATABASE_CORRUPT, so the Settings screen can repair it.
 *
 * `store.restore` needs the profile's writer lock, which the open Assistant
 * holds: it waits for the calls in progress, closes the Assistant (replies
 * in progress stop, a Memory Manager run finishes), restores, and opens a new
 * Assistant. Calls that arrive meanwhile are refused with CONFLICT, so none
 * sees a half-restored store.
 */
export class ProfileHost {
  readonly dispatch: Dispatch;
  private assistant: Assistant | undefined;
  /** Why the Assistant could not open (the memory database cannot be read); undefined while it is open. */
  private damage: Error | undefined;
  private restoring = false;
  private closed = false;
  /** Unary calls in progress, and who waits for them to end (a restore). */
  private inFlight = 0;
  private drainWaiters: Array<() => void> = [];
  private readonly layout: ProfileLayout;
  /** The routes served here always, and those served here only while there is no Assistant. */
  private readonly own: Dispatch;
  private readonly degraded: Dispatch;

  private constructor(private readonly options: AssistantOptions) {
    this.layout = profileLayout(options.profileDir);
    this.own = createDispatcher({
      'store.versions': async () => ({ items: await listTableVersions(this.layout.memory) }),
      'store.restore': (request) => this.restore(request),
    });
    const secrets = options.secrets ?? new FileSecretStore(this.layout.apiKey);
    this.degraded = createDispatcher({
      'store.health': () => storeHealth(this.layout.memory),
      'settings.get': async () => settingsView(await loadSettings(this.layout.settings), this.layout.dir, (await secrets.get()) !== undefined),
    });
    this.dispatch = (route, input, emit, signal) => {
      // Checked and counted before any await: a restore that starts later waits for this call to end.
      if (this.restoring) return refused('CONFLICT', 'the memory database is being restored; try again in a moment');
      if (this.closed) return refused('INTERNAL', 'the app is shutting down');
      const target = this.targetOf(route);
      if (!target) return refused('DATABASE_CORRUPT', this.damageMessage());
      // Streams are not waited for: closing the Assistant stops them.
      if (route === 'store.restore' || !isRouteName(route) || ROUTES[route].kind === 'stream') return target(route, input, emit, signal);
      this.inFlight++;
      return target(route, input, emit, signal).finally(() => {
        if (--this.inFlight === 0) for (const wake of this.drainWaiters.splice(0)) wake();
      });
    };
  }

  /** Who answers a route now; undefined: nobody can while the memory database is damaged. */
  private targetOf(route: string): Dispatch | undefined {
    if (route === 'store.versions' || route === 'store.restore') return this.own;
    if (this.assistant) return this.assistant.dispatch;
    // An unknown route reaches a dispatcher for its NOT_FOUND.
    if (route === 'store.health' || route === 'settings.get' || !isRouteName(route)) return this.degraded;
    return undefined;
  }

  /** Opens the profile; a memory database that cannot be read leaves the host open without an Assistant (`damaged`). */
  static async open(options: AssistantOptions): Promise<ProfileHost> {
    const host = new ProfileHost(options);
    await host.openAssistant(true);
    return host;
  }

  get profileDir(): string {
    return this.layout.dir;
  }

  /** Why the memory database cannot be used, or undefined when it is open. */
  get damaged(): string | undefined {
    return this.damage && this.damageMessage();
  }

  /** What the OpenAI-compatible memory proxy answers with: the chat model of the Assistant open now (a restore replaces it), and the clients' keys. */
  proxyOptions(): Omit<MemoryProxyOptions, 'dispatch'> {
    return {
      model: () => (this.assistant ? this.assistant.replyModel() : Promise.reject(new ApiError('CONFLICT', `the memory is not open: ${this.damageMessage()}`))),
      keys: new ClientKeys(this.layout.clients),
    };
  }

  /** The open Assistant's warnings, and the damage when there is no Assistant. */
  get warnings(): string[] {
    return this.assistant ? this.assistant.warnings : [this.damageMessage()];
  }

  async close(): Promise<void> {
    this.closed = true;
    const assistant = this.assistant;
    this.assistant = undefined;
    await assistant?.close();
  }

  /** At start only a damaged database leaves the host without an Assistant; after a restore any failure does, with its reason. */
  private async openAssistant(atStart: boolean): Promise<void> {
    try {
      const assistant = await Assistant.open(this.options);
      if (this.closed) return void (await assistant.close()); // the app quit during a restore
      this.assistant = assistant;
      this.damage = undefined;
    } catch (error) {
      if (atStart && !isMemoryError(error, 'DATABASE_CORRUPT')) throw error;
      this.damage = error instanceof Error ? error : new Error(String(error));
    }
  }

  private damageMessage(): string {
    return `${this.damage?.message ?? 'the memory database cannot be read'}. In the app: Settings → Storage health → Restore`;
  }

  private async restore(request: ParsedInput<'store.restore'>): Promise<RestoreReportView> {
    this.restoring = true;
    try {
      if (this.inFlight > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
      const assistant = this.assistant;
      this.assistant = undefined;
      await assistant?.close(); // releases the writer lock, which the restore takes
      let report: RestoreReport;
      try {
        report = await restoreDatabase({ uri: this.layout.memory }, { ...(request.to !== undefined ? { table: request.table ?? 'memories', to: request.to } : {}), replay: request.replay });
      } finally {
        // Restored or not, the profile opens again (or stays damaged, with the reason).
        await this.openAssistant(false);
      }
      return reportView(report);
    } catch (error) {
      throw isMemoryError(error) ? error : new ApiError('INTERNAL', `the restore failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.restoring = false;
    }
  }
}

const refused = (code: ApiErrorBody['code'], message: string): Promise<ApiResult> => Promise.resolve({ ok: false, error: { code, message } });

function reportView(report: RestoreReport): RestoreReportView {
  return {
    rolled_back: report.rolledBack.map((r) => ({ table: r.table, from: r.from, to: r.to, rows_before: Number.isNaN(r.rowsBefore) ? null : r.rowsBefore, rows_after: r.rowsAfter })),
    replayed: report.replayed.map((op) => ({ kind: op.kind, memory_id: op.memory_id, text: op.after?.text ?? op.before?.text ?? null })),
    lost_journal_entries: report.lostJournalEntries,
  };
}
