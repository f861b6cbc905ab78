import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { TrainingPoint, TrainingRun } from '../contract/learning-schemas.js';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { schemaReason } from '../util/zod-reason.js';

const RunFile = z.object({ run: TrainingRun, points: z.array(TrainingPoint) });
type RunFile = z.infer<typeof RunFile>;

/** Runs whose records are kept; older ones are deleted as new ones finish. */
const KEEP_RUNS = 50;
const RUN_FILE = /^(run-[A-Za-z0-9-]+)\.json$/;

/**
 * The updater's run records, one JSON file per run in
 * `<profile>/learning/runs/` (the run, its results and its curve points),
 * each written atomically. A run found `running` when the store opens was
 * cut short by a crash or a kill: it is recorded as `interrupted`, and the
 * policies it would have changed are untouched (promotion is the last,
 * atomic step of an update).
 */
export class RunStore {
  private constructor(
    private readonly dir: string,
    /** Every run's record, oldest first (points stay on disk). */
    private readonly runs: TrainingRun[],
    /** Run files that could not be read. */
    readonly warnings: string[],
  ) {}

  static async open(dir: string): Promise<RunStore> {
    await mkdir(dir, { recursive: true });
    const runs: TrainingRun[] = [];
    const warnings: string[] = [];
    const store = new RunStore(dir, runs, warnings);
    for (const name of (await readdir(dir)).sort()) {
      const id = RUN_FILE.exec(name)?.[1];
      if (!id) continue;
      const file = await store.read(id).catch((error: unknown) => {
        warnings.push(`the training run record ${join(dir, name)} cannot be read (${(error as Error).message}); delete it`);
        return undefined;
      });
      if (!file) continue;
      if (file.run.state === 'running') {
        file.run = { ...file.run, state: 'interrupted', finished_at: file.run.finished_at ?? new Date().toISOString(), message: 'the app stopped during this run (it crashed or was killed); the policies in use were not changed' };
        await store.save(file.run, file.points);
      } else {
        runs.push(file.run);
      }
    }
    runs.sort((a, b) => a.started_at.localeCompare(b.started_at));
    return store;
  }

  /** Records a run (new or updated) with its points so far. */
  async save(run: TrainingRun, points: readonly TrainingPoint[]): Promise<void> {
    await writeFileAtomic(this.path(run.run_id), `${JSON.stringify({ run, points })}\n`);
    const at = this.runs.findIndex((r) => r.run_id === run.run_id);
    if (at >= 0) this.runs[at] = structuredClone(run);
    else this.runs.push(structuredClone(run));
    if (run.state !== 'running') await this.prune();
  }

  /** The newest run (that `where` accepts). */
  last(where: (run: TrainingRun) => boolean = () => true): TrainingRun | null {
    const run = this.runs.findLast(where);
    return run ? structuredClone(run) : null;
  }

  /** A recorded run's points; undefined when there is no such run. */
  async points(runId: string): Promise<TrainingPoint[] | undefined> {
    if (!this.runs.some((run) => run.run_id === runId)) return undefined;
    return (await this.read(runId)).points;
  }

  private async read(runId: string): Promise<RunFile> {
    const parsed = RunFile.safeParse(JSON.parse(await readFile(this.path(runId), 'utf8')));
    if (!parsed.success) throw new Error(schemaReason(parsed.error));
    return parsed.data;
  }

  private async prune(): Promise<void> {
    const finished = this.runs.filter((run) => run.state !== 'running');
    for (const run of finished.slice(0, Math.max(0, finished.length - KEEP_RUNS))) {
      await rm(this.path(run.run_id), { force: true });
      this.runs.splice(this.runs.indexOf(run), 1);
    }
  }

  private path(runId: string): string {
    return join(this.dir, `${runId}.json`);
  }
}
