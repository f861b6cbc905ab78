/**
 * When the next scheduled run is due: one timer, armed by `set` (after each
 * tick and each settings change). It never keeps the process alive.
 */
export class RunSchedule {
  private timer: NodeJS.Timeout | undefined;
  private due: Date | null = null;

  /** @param minuteMs milliseconds in a scheduled "minute" (tests shorten it) */
  constructor(
    private readonly tick: () => Promise<void>,
    private readonly minuteMs = 60_000,
  ) {}

  get nextRunAt(): Date | null {
    return this.due;
  }

  /** Arms the timer `minutes` from now, replacing any armed one; 0 disarms it. */
  set(minutes: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = null;
    if (minutes <= 0) return;
    const delay = minutes * this.minuteMs;
    this.due = new Date(Date.now() + delay);
    this.timer = setTimeout(() => {
      this.due = null;
      void this.tick();
    }, delay);
    this.timer.unref();
  }
}
