import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { loadAnswerPolicy, loadManagerPolicy, policyFolder, type AgentName } from '../agents/policy-loader.js';
import { ApiError } from '../contract/api-error.js';
import type { AgentRunResult, LearningAgent, LearningSettings, PolicyVersionView, TrainingEvent, TrainingPoint, TrainingRun, TrainingStatus } from '../contract/learning-schemas.js';
import { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import { CategoricalPolicy } from '../rl/categorical-policy.js';
import { CheckpointStore } from '../rl/checkpoints.js';
import { layersModelFromFiles } from '../rl/tfjs-files.js';
import type { Algorithm, TrainRecipe } from '../train/train-loop.js';
import { SerialQueue } from '../util/serial-queue.js';
import { policyVersions } from './policy-versions.js';
import { latestSignals, readiness } from './dataset.js';
import { prepareJob, type JobParts } from './prepare-job.js';
import { promoteCandidate } from './promotion.js';
import { HELD_OUT_VALUE } from './off-policy-gate.js';
import { promotionDecision } from './promotion-gate.js';
import { RunSchedule } from './run-schedule.js';
import { RunStore } from './run-store.js';
import type { UpdateJob, WorkerMessage } from './update-job.js';
import { UPDATE_RECIPES } from './update-recipe.js';
import { UpdateWorker } from './update-worker-client.js';

export interface UpdaterParts extends JobParts {
  profileDir: string;
  /** The user's learning settings now, and the profile's embedder spec (for LoCoMo validation). */
  settings: () => { learning: LearningSettings; embedder: string };
}

export interface UpdaterOptions {
  /** `locomo10.json`: candidates must also not be worse on its validation conversation (conv-30). */
  locomoData?: string;
  /** Milliseconds in a scheduled "minute" (tests shorten it). */
  minuteMs?: number;
  seed?: number;
  /** Recipes to use instead of `UPDATE_RECIPES` (tests, benchmarks). */
  recipes?: Partial<Record<Algorithm, TrainRecipe>>;
  /** The worker script (default: the built one). */
  workerFile?: string;
}

export type TrainingListener = (event: TrainingEvent) => void;

/** The run in progress. */
interface ActiveRun {
  run: TrainingRun;
  points: TrainingPoint[];
  listeners: Set<TrainingListener>;
  worker?: UpdateWorker;
  /** Set by `stop`: why the run was stopped. */
  stopped?: string;
  settled: Promise<void>;
}

/**
 * The background RL updater (DESIGN §5, §9 Learning): one run at a time, on
 * demand or on a schedule. A run turns the user's feedback into samples in
 * the main process, trains a candidate per agent in a worker process with
 * GRPO or PPO (so the chat never waits on it), and promotes a candidate only
 * when the gate is sure it is better than the policy in use on held-out
 * feedback and, with LoCoMo, not worse than the base version there
 * (`promotion-gate.ts`): saved, switched atomically, older versions pruned,
 * and swapped into the running app. Stopping a run, or a crash of
 * its worker, leaves the policies in use untouched.
 */
export class Updater {
  private active: ActiveRun | undefined;
  private readonly schedule: RunSchedule;
  private closed = false;
  private chatBusy = false;
  /** Promotions and rollbacks, one at a time. */
  private readonly policyChanges = new SerialQueue();

  private constructor(
    private readonly parts: UpdaterParts,
    private readonly runs: RunStore,
    private readonly options: UpdaterOptions,
  ) {
    this.schedule = new RunSchedule(() => this.scheduledRun(), options.minuteMs);
  }

  static async open(parts: UpdaterParts, options: UpdaterOptions = {}): Promise<Updater> {
    const updater = new Updater(parts, await RunStore.open(join(parts.profileDir, 'learning', 'runs')), options);
    updater.reschedule();
    return updater;
  }

  async status(): Promise<TrainingStatus> {
    const { feedback, episodes, policies } = this.parts;
    const active = this.active?.run;
    const lastFinished = this.runs.last((run) => run.state === 'finished');
    return {
      settings: this.settings,
      running: active ? structuredClone(active) : null,
      last_run: this.runs.last((run) => run.run_id !== active?.run_id),
      next_run_at: this.schedule.nextRunAt?.toISOString() ?? null,
      data: {
        feedback: await feedback.count(),
        new_feedback: await feedback.count(lastFinished?.started_at),
        episodes: { manager: await episodes.count('manager'), answer: await episodes.count('answer') },
        readiness: readiness(latestSignals(await feedback.all())),
      },
      current_versions: { manager: policies.manager.version, answer: policies.answer.version },
      warnings: [...policies.manager.warnings, ...policies.answer.warnings, ...this.runs.warnings],
    };
  }

  /**
   * Starts a run of the given agents (default both) and returns at once; the
   * run goes on in the background. `listener` gets every event from `started`
   * to `done` until the returned function unsubscribes it. Refused (CONFLICT)
   * while learning is off or a run is going.
   */
  start(trigger: TrainingRun['trigger'], agents: readonly LearningAgent[] = ['manager', 'answer'], listener?: TrainingListener): () => void {
    if (this.closed) throw new ApiError('INTERNAL', 'the assistant is shutting down');
    if (!this.settings.enabled) throw new ApiError('CONFLICT', 'learning is off: turn it on first (the Learning screen, or training.configure {"enabled": true})');
    if (this.active) throw new ApiError('CONFLICT', `a training run is already in progress (started ${this.active.run.started_at}); wait for it to finish or stop it`);
    const run: TrainingRun = {
      run_id: `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`,
      algo: this.settings.algo,
      trigger,
      state: 'running',
      started_at: new Date().toISOString(),
      finished_at: null,
      progress: { done: 0, total: 0 },
      results: [],
      message: null,
    };
    const active: ActiveRun = { run, points: [], listeners: new Set(listener ? [listener] : []), settled: Promise.resolve() };
    this.active = active;
    active.settled = this.execute(active, [...new Set(agents)]);
    return () => listener && active.listeners.delete(listener);
  }

  /** Stops the run in progress (its worker is terminated wherever it is) and waits until it is recorded. */
  async stop(reason = 'stopped by the user'): Promise<void> {
    const active = this.active;
    if (!active) return;
    active.stopped ??= reason;
    await active.worker?.terminate();
    await active.settled;
  }

  /** The curve of a run: the one named, else the one in progress, else the last one. */
  async metrics(runId?: string): Promise<{ run_id: string | null; points: TrainingPoint[] }> {
    const active = this.active;
    if (active && (runId === undefined || runId === active.run.run_id)) return { run_id: active.run.run_id, points: structuredClone(active.points) };
    const id = runId ?? this.runs.last()?.run_id;
    if (id === undefined) return { run_id: null, points: [] };
    const points = await this.runs.points(id);
    if (!points) throw new ApiError('NOT_FOUND', `no training run with id ${id}`);
    return { run_id: id, points };
  }

  versions(agent: LearningAgent): Promise<PolicyVersionView[]> {
    return policyVersions(this.folder(agent), agent, this.parts.policies[agent].version);
  }

  /** Makes the version before the current one current again, and uses it from the next chat turn on. */
  rollback(agent: LearningAgent): Promise<{ agent: LearningAgent; version: string }> {
    if (this.active) throw new ApiError('CONFLICT', 'a training run is in progress: stop it (or let it finish), then roll back');
    return this.policyChanges.run(async () => {
      await new CheckpointStore(this.folder(agent)).rollback();
      return { agent, version: await this.reload(agent) };
    });
  }

  /** Deletes the feedback and episodes (a run in progress is stopped first); memories, messages and policies stay. */
  async deleteData(): Promise<{ feedback: number; episodes: number }> {
    await this.stop('stopped to delete the learning data');
    return { feedback: await this.parts.feedback.purge(), episodes: await this.parts.episodes.purge() };
  }

  /** Whether the app is serving a chat turn: a run's worker backs off meanwhile. */
  setChatBusy(busy: boolean): void {
    this.chatBusy = busy;
    this.active?.worker?.send({ type: 'chat_busy', busy });
  }

  /** After the user changed the learning settings: turning learning off stops a run; the schedule restarts. */
  async settingsChanged(): Promise<void> {
    if (!this.settings.enabled) await this.stop('stopped because learning was turned off');
    this.reschedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reschedule();
    await this.stop('stopped because the app is closing');
  }

  private get settings(): LearningSettings {
    return this.parts.settings().learning;
  }

  private folder(agent: AgentName): string {
    return policyFolder(this.parts.policiesDir, agent);
  }

  // ---- the schedule ------------------------------------------------------

  private reschedule(): void {
    const { enabled, schedule_minutes } = this.settings;
    this.schedule.set(this.closed || !enabled ? 0 : schedule_minutes);
  }

  /** A tick of the schedule: a run starts when enough new feedback came in and none is going. */
  private async scheduledRun(): Promise<void> {
    try {
      const { new_feedback } = (await this.status()).data;
      if (!this.active && !this.closed && this.settings.enabled && new_feedback >= this.settings.min_new_feedback) this.start('schedule');
    } catch {
      // A tick that cannot read the tables (the store closing) is skipped; the next one tries again.
    }
    this.reschedule();
  }

  // ---- a run ----------------------------------------------------------------

  /** Runs an update to its end; never throws: every outcome is recorded in the run and its events. */
  private async execute(active: ActiveRun, agents: LearningAgent[]): Promise<void> {
    const { run } = active;
    const emit = (event: TrainingEvent) => active.listeners.forEach((listener) => listener(structuredClone(event)));
    const record = () => this.runs.save(run, active.points);
    try {
      await record();
      emit({ type: 'started', run });
      const inUse = { manager: this.parts.policies.manager.version, answer: this.parts.policies.answer.version };
      const locomo = this.options.locomoData ? { path: this.options.locomoData, embedder: this.parts.settings().embedder } : undefined;
      const recipe = this.options.recipes?.[run.algo] ?? UPDATE_RECIPES[run.algo];
      const { job, skipped } = await prepareJob(this.parts, agents, { algo: run.algo, seed: this.options.seed ?? 7, recipe, ...(locomo ? { locomo } : {}) });
      for (const { agent, reason } of skipped) {
        const result = this.result(agent, 'skipped', reason);
        run.results.push(result);
        emit({ type: 'result', result });
      }
      if (job && !active.stopped) {
        run.progress.total = job.recipe.steps * ((job.manager ? 1 : 0) + (job.answer ? 1 : 0));
        await this.train(active, job, inUse, emit, record);
      }
      run.state = active.stopped ? 'stopped' : run.state === 'running' ? 'finished' : run.state;
      run.message ??= active.stopped ?? null;
      const failed = run.results.find((r) => r.outcome === 'failed');
      if (run.state === 'finished' && failed) [run.state, run.message] = ['failed', `${failed.agent}: ${failed.reason}`];
    } catch (error) {
      run.state = active.stopped ? 'stopped' : 'failed';
      run.message = active.stopped ?? (error instanceof Error ? error.message : String(error));
    }
    run.finished_at = new Date().toISOString();
    await record().catch((error: unknown) => {
      run.message = `${run.message ?? run.state}; the run record could not be saved (${(error as Error).message})`;
    });
    this.active = undefined;
    emit({ type: 'done', run });
    active.listeners.clear();
  }

  private async train(active: ActiveRun, job: UpdateJob, inUse: Record<LearningAgent, string>, emit: (event: TrainingEvent) => void, record: () => Promise<void>): Promise<void> {
    const { run } = active;
    const worker = new UpdateWorker(job, this.options.workerFile);
    active.worker = worker;
    worker.send({ type: 'chat_busy', busy: this.chatBusy });
    let ended = false;
    try {
      for await (const message of worker) {
        if (message.type === 'step') {
          const point: TrainingPoint = { agent: message.agent, step: message.step, reward_mean: message.reward_mean, kl: message.kl };
          active.points.push(point);
          run.progress.done++;
          emit({ type: 'step', point, progress: { ...run.progress } });
        } else if (message.type === 'candidate') {
          const result = await this.judge(message, inUse[message.agent], run.algo);
          run.results.push(result);
          await record();
          emit({ type: 'result', result });
        } else {
          ended = true;
          if (message.type === 'failed') [run.state, run.message] = ['failed', message.message];
          break;
        }
      }
    } finally {
      await worker.terminate();
    }
    if (!ended && !active.stopped) {
      const end = worker.end;
      const how = end.kind === 'terminated' ? 'killed' : end.signal ? `signal ${end.signal}` : `exit code ${end.code}`;
      const said = end.kind === 'exited' && end.stderr ? `: ${end.stderr.split('\n').at(-1)}` : '';
      [run.state, run.message] = ['interrupted', `the update worker stopped unexpectedly (${how})${said}; the policies in use are unchanged`];
    }
  }

  /** The gate's decision on a candidate, and its promotion when it passes. */
  private judge(candidate: Extract<WorkerMessage, { type: 'candidate' }>, parent: string, algo: Algorithm): Promise<AgentRunResult> {
    const { agent, gate, locomo } = candidate;
    const decision = promotionDecision({ evidence: gate, ...(locomo ? { locomo } : {}) });
    const scores: AgentRunResult['scores'] = {
      current: { [HELD_OUT_VALUE]: gate.current },
      candidate: { [HELD_OUT_VALUE]: gate.candidate, heldout_lead_lower_bound: gate.leadLowerBound, ...locomo?.candidate },
      ...(locomo ? { anchor: locomo.anchor } : {}),
    };
    if (!decision.promote) return Promise.resolve(this.result(agent, 'kept_current', `not promoted: ${decision.reason}`, scores));
    return this.policyChanges.run(async () => {
      const slot = this.parts.policies[agent];
      if (slot.version !== parent) return this.result(agent, 'kept_current', `not promoted: the policy in use changed during the run (${parent} → ${slot.version})`, scores);
      const model = await layersModelFromFiles(candidate.policy);
      try {
        const { meta, warning } = await slot.use(({ policy }) =>
          promoteCandidate(this.folder(agent), { agent, algo, steps: candidate.steps, model, metrics: scores.candidate, inUse: { version: parent, net: policy.net }, keepVersions: this.settings.keep_versions }),
        );
        if (agent === 'manager') this.parts.policies.manager.replace({ policy: new CategoricalPolicy(model), version: meta.version, warnings: [] });
        else this.parts.policies.answer.replace({ policy: new BernoulliPolicy(model), version: meta.version, warnings: [] });
        return this.result(agent, 'promoted', `promoted: ${decision.reason}${warning ? `; ${warning}` : ''}`, scores, meta.version);
      } catch (error) {
        model.dispose();
        return this.result(agent, 'failed', `the candidate passed the gate but could not be saved: ${(error as Error).message}`, scores);
      }
    });
  }

  private result(agent: LearningAgent, outcome: AgentRunResult['outcome'], reason: string, scores: AgentRunResult['scores'] = { current: {}, candidate: {} }, candidate: string | null = null): AgentRunResult {
    return { agent, outcome, reason, candidate_version: candidate, current_version: this.parts.policies[agent].version, scores };
  }

  /** Loads the agent's current checkpoint (falling back past damaged ones) into the running app; returns its version. */
  private async reload(agent: LearningAgent): Promise<string> {
    const { policiesDir, policies } = this.parts;
    if (agent === 'manager') {
      const loaded = await loadManagerPolicy(policiesDir);
      policies.manager.replace(loaded);
      return loaded.version;
    }
    const loaded = await loadAnswerPolicy(policiesDir);
    policies.answer.replace(loaded);
    return loaded.version;
  }
}
