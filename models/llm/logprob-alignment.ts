/**
 * Gives each streamed chunk the log-probability of the tokens whose text it
 * carries. transformers.js's TextStreamer holds text back until a word ends,
 * so the tokens reported and the text printed drift apart; summing every
 * token seen so far into the next chunk would credit a word with the
 * probability of tokens after it.
 */
export class LogprobAlignment {
  private readonly ids: bigint[] = [];
  /** Tokens not yet credited: where their text ends in the reply, and their log-probability. */
  private readonly pending: Array<{ end: number; logprob: number }> = [];
  private emitted = 0;

  /** `decode`: the reply's text for the token ids generated so far. */
  constructor(private readonly decode: (ids: bigint[]) => string) {}

  token(id: bigint, logprob: number): void {
    this.ids.push(id);
    this.pending.push({ end: this.decode(this.ids).length, logprob });
  }

  /** The log-probability of the tokens whose text ends within the next `length` characters of the reply. */
  take(length: number): number {
    this.emitted += length;
    let sum = 0;
    while (this.pending.length && this.pending[0]!.end <= this.emitted) sum += this.pending.shift()!.logprob;
    return sum;
  }

  /** Everything not yet credited (the last chunk). */
  rest(): number {
    return this.pending.splice(0).reduce((sum, t) => sum + t.logprob, 0);
  }
}
