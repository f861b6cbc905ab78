import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/write-file-atomic.js';
import { reasonOf } from './errors.js';

/** Post-commit work that failed; it is retried later and shown by `memr1 doctor` and the Settings screen. */
export interface MaintenanceWarning {
  /** `compaction` (with the index builds), `messages compaction`, … */
  task: string;
  /** The latest failure's reason, first line. */
  message: string;
  /** When it first failed, and how many times since. */
  since: string;
  failures: number;
}

/** One `memr1 memory restore`, kept as a record of what was rolled back and what it cost. */
export interface RestoreRecord {
  at: string;
  tables: Array<{ table: string; from: number; to: number }>;
  replayed: number;
  lost_journal_entries: number | null;
}

export interface MaintenanceState {
  /** When the memory and journal tables were last compacted (ISO), null before the first time. */
  last_compaction: string | null;
  warnings: MaintenanceWarning[];
  /** The latest restores, oldest first (at most `KEEP_RESTORES`). */
  restores: RestoreRecord[];
}

const KEEP_RESTORES = 20;

const FILE = '.memr1-maintenance.json';

/**
 * Runs post-commit maintenance (compaction, index builds, cleanup) so that its
 * failure never turns a committed operation into an error: the data is already
 * safe, and a caller told "failed" would retry and duplicate it. A failure is
 * recorded as a warning and the task retried later; success clears it. The
 * record is a small file in the database folder (kept across processes, so
 * `memr1 doctor` sees what a `memr1 memory add` left), in memory for object stores.
 */
export class Maintenance {
  private constructor(
    private readonly path: string | undefined,
    private current: MaintenanceState,
  ) {}

  /** `folder`: the local database folder, or undefined for an object store. */
  static load(folder: string | undefined): Maintenance {
    const path = folder === undefined ? undefined : join(folder, FILE);
    return new Maintenance(path, path ? readState(path) : { last_compaction: null, warnings: [], restores: [] });
  }

  get state(): MaintenanceState {
    return structuredClone(this.current);
  }

  /** True when `task` has a failure waiting for its retry. */
  pending(task: string): boolean {
    return this.current.warnings.some((w) => w.task === task);
  }

  /** Runs `work`; true when it succeeded. Never throws (not even when the record cannot be saved). */
  async run(task: string, work: () => Promise<void>, compaction = false): Promise<boolean> {
    let failure: unknown;
    try {
      await work();
    } catch (error) {
      failure = error;
    }
    const warnings = this.current.warnings.filter((w) => w.task !== task);
    if (failure !== undefined) {
      const previous = this.current.warnings.find((w) => w.task === task);
      const message = reasonOf(failure).slice(0, 500);
      warnings.push({ task, message, since: previous?.since ?? new Date().toISOString(), failures: (previous?.failures ?? 0) + 1 });
    }
    const compacted = compaction && failure === undefined;
    const changed = compacted || failure !== undefined || warnings.length !== this.current.warnings.length;
    this.current = { ...this.current, last_compaction: compacted ? new Date().toISOString() : this.current.last_compaction, warnings };
    if (changed) await this.save(); // only on news, not after every quiet success
    return failure === undefined;
  }

  async recordRestore(record: RestoreRecord): Promise<void> {
    this.current = { ...this.current, restores: [...this.current.restores, record].slice(-KEEP_RESTORES) };
    await this.save();
  }

  private async save(): Promise<void> {
    // A record lost is only a report lost: never an error of the work it reports on.
    if (this.path) await writeFileAtomic(this.path, JSON.stringify(this.current, null, 1)).catch(() => undefined);
  }
}

function readState(path: string): MaintenanceState {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<MaintenanceState>;
    return {
      last_compaction: parsed.last_compaction ?? null,
      warnings: Array.isArray(parsed.warnings) ? parsed.warnings : [],
      restores: Array.isArray(parsed.restores) ? parsed.restores : [],
    };
  } catch {
    return { last_compaction: null, warnings: [], restores: [] }; // none yet (or unreadable: it only holds reports)
  }
}
