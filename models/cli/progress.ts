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
