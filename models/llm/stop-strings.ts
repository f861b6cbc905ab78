/**
 * Cuts a streamed reply at the first stop string. Text that might be the
 * start of a stop string is held back until the next chunk decides, so a stop
 * string split across chunks never leaks into the output.
 */
export class StopStringFilter {
  private held = '';
  private stopped = false;

  constructor(private readonly stops: readonly string[]) {}

  /** True once a stop string was seen: the caller should end generation. */
  get done(): boolean {
    return this.stopped;
  }

  /** Takes the next chunk; returns the text that is safe to emit now. */
  push(chunk: string): string {
    if (this.stopped) return '';
    const text = this.held + chunk;
    let cut = -1;
    for (const stop of this.stops) {
      const at = stop ? text.indexOf(stop) : -1;
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.stopped = true;
      this.held = '';
      return text.slice(0, cut);
    }
    const keep = this.longestPendingPrefix(text);
    this.held = text.slice(text.length - keep);
    return text.slice(0, text.length - keep);
  }

  /** What was held back, once the stream has ended without a stop string. */
  flush(): string {
    const rest = this.stopped ? '' : this.held;
    this.held = '';
    return rest;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  private longestPendingPrefix(text: string): number {
    let best = 0;
    for (const stop of this.stops) {
      for (let n = Math.min(stop.length - 1, text.length); n > best; n--) {
        if (text.endsWith(stop.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
