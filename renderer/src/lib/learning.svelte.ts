/**
 * The background learner as the UI sees it: its status, the curves of the
 * running or last run, and each agent's policy versions. It lives outside the
 * Learning screen so that a run started there keeps streaming while the user
 * looks at another view, and so that the chat knows whether feedback on a
 * reply is recorded.
 */
import type { AgentRunResult, InputOf, LearningAgent, OutputOf, PolicyVersionView, TrainingEvent, TrainingPoint, TrainingStatus } from './api-types';
import { ApiError, client } from './client';
import { attempt, showError } from './errors.svelte';

export const AGENT_NAMES: Record<LearningAgent, string> = { manager: 'Memory manager', answer: 'Answer agent' };
export const AGENTS = Object.keys(AGENT_NAMES) as LearningAgent[];

/** The engine calls an agent's starting policy, before any trained version, `prior`. */
export function versionName(version: string): string {
  return version === 'prior' ? 'untrained (prior)' : version;
}

class Learning {
  /** null until loaded. */
  status: TrainingStatus | null = $state(null);
  /** The curves' points: of the run in progress, else of the last run. */
  points: TrainingPoint[] = $state([]);
  versions: Record<LearningAgent, PolicyVersionView[]> = $state({ manager: [], answer: [] });
  /** True while this window follows a run it started through the stream, which makes polling unnecessary. */
  streaming = $state(false);
  enabled = $derived(this.status?.settings.enabled ?? false);

  async loadStatus(): Promise<void> {
    this.status = await client.invoke('training.status', {});
  }

  /** Everything the Learning screen shows. */
  async loadAll(): Promise<void> {
    const [status, metrics] = await Promise.all([client.invoke('training.status', {}), client.invoke('training.metrics', {}), this.loadVersions()]);
    this.status = status;
    // A streamed run fills the curves itself; a reload must not replace them with a shorter snapshot.
    if (!this.streaming) this.points = metrics.points;
  }

  async loadVersions(): Promise<void> {
    const lists = await Promise.all(AGENTS.map((agent) => client.invoke('training.versions', { agent })));
    AGENTS.forEach((agent, i) => (this.versions[agent] = lists[i]!.items));
  }

  /**
   * One poll of a run this window did not start (a scheduled one): its
   * progress and curves so far. Resolves to whether it is still running.
   */
  async followRun(): Promise<boolean> {
    const [status, metrics] = await Promise.all([client.invoke('training.status', {}), client.invoke('training.metrics', {})]);
    if (this.streaming) return false;
    this.status = status;
    this.points = metrics.points;
    if (status.running) return true;
    await this.loadVersions(); // the run may have promoted a version
    return false;
  }

  async configure(patch: InputOf<'training.configure'>): Promise<void> {
    this.status = await client.invoke('training.configure', patch);
  }

  /** "Train now": follows the run through its stream until it is done. */
  trainNow(): void {
    this.streaming = true;
    client.stream('training.start', {}, (event) => this.#apply(event));
  }

  /** Stops the run in progress: its stream ends with `done` (state `stopped`), and the policies in use stay. */
  async stop(): Promise<void> {
    this.status = await client.invoke('training.stop', {});
  }

  async rollback(agent: LearningAgent): Promise<OutputOf<'training.rollback'>> {
    const rolledBack = await client.invoke('training.rollback', { agent });
    await Promise.all([this.loadStatus(), this.loadVersions()]);
    return rolledBack;
  }

  async deleteData(): Promise<OutputOf<'training.delete_data'>> {
    const deleted = await client.invoke('training.delete_data', {});
    await this.loadStatus();
    return deleted;
  }

  #apply(event: TrainingEvent): void {
    switch (event.type) {
      case 'started':
        if (this.status) this.status.running = event.run;
        this.points = [];
        break;
      case 'step':
        this.points.push(event.point);
        if (this.status?.running) this.status.running.progress = event.progress;
        break;
      case 'result':
        if (this.status?.running) this.status.running.results = withResult(this.status.running.results, event.result);
        break;
      case 'done':
        // The run is over now; the reload below brings what it changed (versions, data counts).
        if (this.status) [this.status.running, this.status.last_run] = [null, event.run];
        this.streaming = false;
        void attempt('Could not reload the learning status', () => this.loadAll());
        break;
      case 'error':
        this.streaming = false;
        showError(new ApiError(event.code, event.message), 'Training did not complete');
        void attempt('Could not reload the learning status', () => this.loadAll());
        break;
    }
  }
}

/** The run's results with `result` in place of an earlier one for the same agent. */
function withResult(results: AgentRunResult[], result: AgentRunResult): AgentRunResult[] {
  return [...results.filter((r) => r.agent !== result.agent), result];
}

export const learning = new Learning();
