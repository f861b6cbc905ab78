import { MultiBar, Presets, type SingleBar } from 'cli-progress';

export interface Progress {
  update: (stage: string, done: number, total: number) => void;
  stop: () => void;
}

/** Progress bars on stderr (stdout stays clean for results); silent when stderr is not a terminal. */
export function createProgress(): Progress {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const multi = new MultiBar({ format: ' {stage} [{bar}] {value}/{total} | {duration_formatted}', hideCursor: true, clearOnComplete: false, stream: process.stderr }, Presets.shades_classic);
  const bars = new Map<string, SingleBar>();
  return {
    update: (stage, done, total) => {
      let bar = bars.get(stage);
      if (!bar) {
        bar = multi.create(total, 0, { stage });
        bars.set(stage, bar);
      }
      bar.update(done, { stage });
    },
    stop: () => multi.stop(),
  };
}

/** A byte-progress bar for downloads (file name, MB done/total, percent), on stderr when it is a terminal. */
export function createByteProgress(): { update: (p: { file: string; loaded: number; total: number | null }) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const multi = new MultiBar(
    { format: ' {file} [{bar}] {percentage}% | {done}/{size} MB | {eta_formatted}', hideCursor: true, stream: process.stderr },
    Presets.shades_classic,
  );
  let bar: SingleBar | undefined;
  return {
    update: ({ file, loaded, total }) => {
      bar ??= multi.create(total ?? 0, 0, { file, done: '0', size: total === null ? '?' : mb(total) });
      if (total !== null) bar.setTotal(total);
      bar.update(loaded, { file, done: mb(loaded), size: total === null ? '?' : mb(total) });
    },
    stop: () => multi.stop(),
  };
}
