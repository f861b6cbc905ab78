/**
 * A transformers.js logits processor that keeps generation inside a grammar:
 * before each step it feeds the matcher the tokens sampled since the last
 * step, then masks every token that cannot continue a valid document.
 *
 * A grammar alone cannot make a document end: a model that never writes the
 * closing quote would run out of tokens mid-string. So in the last
 * `CLOSING_RESERVE` tokens of the budget only closing tokens are kept where
 * the grammar allows one (see `FormatMatcher.maskScores`).
 */
import { LogitsProcessor, type Tensor } from '@huggingface/transformers';
import type { FormatMatcher } from './grammar-constraints.js';

/** Enough to finish any of the agents' formats from anywhere: the longest forced tail is a batch entry's keys. */
export const CLOSING_RESERVE = 32;

export class GrammarLogitsProcessor extends LogitsProcessor {
  /** Length of the (single) sequence at the first step: the prompt. */
  private promptLength: number | undefined;
  /** Tokens of the sequence already given to the matcher: the prompt, then each sampled token. */
  private consumed: number | undefined;
  /**
   * Set when a sampled token was outside the grammar (possible only if a later
   * processor undid the mask); masking then stops and the reply goes to the
   * tolerant parsers as it is.
   */
  private rejected = false;

  constructor(
    private readonly matcher: FormatMatcher,
    /** The generation's token budget (`maxTokens`). */
    private readonly budget: number,
  ) {
    super();
  }

  override _call(inputIds: bigint[][], logits: Tensor): Tensor {
    const sequence = inputIds[0]!;
    this.promptLength ??= sequence.length;
    this.consumed ??= sequence.length;
    for (; this.consumed < sequence.length && !this.rejected; this.consumed++) this.rejected = !this.matcher.accept(Number(sequence[this.consumed]!));
    if (this.rejected) return logits;
    const vocab = logits.dims.at(-1)!;
    const closing = this.budget - (sequence.length - this.promptLength) <= Math.min(CLOSING_RESERVE, this.budget / 2);
    this.matcher.maskScores((logits.data as Float32Array).subarray(0, vocab), closing);
    return logits;
  }
}
