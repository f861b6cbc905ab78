/**
 * Grammar-constrained decoding for one local model (DESIGN §7): XGrammar's
 * compiler over the model's vocabulary, each output format compiled once and
 * cached, and a matcher per generation that says which tokens may come next.
 */
import type { OutputFormat } from './chat-model.js';
import { tokensMadeOf, type TokenVocabulary } from './token-vocabulary.js';
import { loadXGrammar, readTokenBitmask, type CompiledGrammar, type GrammarCompiler, type GrammarMatcher, type TokenizerInfo, type XGrammar } from './xgrammar-wasm.js';

/** Compiled formats kept per model; the update decision's schema varies with how many memories are offered, so a few dozen cover use. */
const MAX_CACHED_FORMATS = 64;

/** The characters that close JSON strings, arrays and objects. */
const JSON_CLOSERS = '"]}';

/** A stable key for a format: what it constrains, not its display name. */
function formatKey(format: OutputFormat): string {
  return format.type === 'json_schema' ? `json:${JSON.stringify(format.schema)}` : `ebnf:${format.ebnf}`;
}

export class GrammarConstraints {
  private readonly compiled = new Map<string, Promise<CompiledGrammar>>();
  /** Per closer set, each token's closing rank (see `closingRanks`). */
  private readonly closingTokens = new Map<string, Uint8Array>();

  private constructor(
    private readonly xgrammar: XGrammar,
    private readonly info: TokenizerInfo,
    private readonly compiler: GrammarCompiler,
    private readonly vocabulary: TokenVocabulary,
    private readonly stopTokenIds: readonly number[],
    /** The model's logits width, which may exceed the tokenizer's vocabulary (padding). */
    readonly vocabSize: number,
  ) {}

  /** Prepares the compiler for a vocabulary; `stopTokenIds` end a finished document (the model's EOS). */
  static async create(vocabulary: TokenVocabulary, vocabSize: number, stopTokenIds: readonly number[]): Promise<GrammarConstraints> {
    const xgrammar = loadXGrammar();
    const tokens = vocabulary.tokens.length > vocabSize ? vocabulary.tokens.slice(0, vocabSize) : vocabulary.tokens;
    const info = await xgrammar.TokenizerInfo.createTokenizerInfo(tokens, vocabulary.type, vocabulary.prependSpace, vocabSize, [...stopTokenIds]);
    const compiler = await xgrammar.GrammarCompiler.createGrammarCompiler(info, false);
    return new GrammarConstraints(xgrammar, info, compiler, vocabulary, stopTokenIds, vocabSize);
  }

  /** The compiled grammar of `format`, compiled on first use. A format that does not compile rejects with XGrammar's reason. */
  compile(format: OutputFormat): Promise<CompiledGrammar> {
    const key = formatKey(format);
    const cached = this.compiled.get(key);
    if (cached) return cached;
    const compiling =
      format.type === 'json_schema'
        ? // Compact JSON on one line (indent -1, ", " and ": "): what the prompts show, and the fewest tokens.
          this.compiler.compileJSONSchema(JSON.stringify(format.schema), false, -1, [', ', ': '], true)
        : this.compiler.compileGrammar(format.ebnf, 'root');
    compiling.catch(() => this.compiled.delete(key));
    this.compiled.set(key, compiling);
    if (this.compiled.size > MAX_CACHED_FORMATS) this.evictOldest();
    return compiling;
  }

  /** A fresh matcher for one generation under `format`. */
  async matcher(format: OutputFormat): Promise<FormatMatcher> {
    const compiled = await this.compile(format);
    const closing = this.closingTokensFor(format.type === 'json_schema' ? JSON_CLOSERS : format.closers);
    return new FormatMatcher(this.xgrammar, await this.xgrammar.GrammarMatcher.createGrammarMatcher(compiled), this.vocabSize, closing);
  }

  /**
   * Per token: 2 for a stop token or a token of closers holding the first
   * closer (`"` ends a JSON string, `\n` a memory line), 1 for another token
   * made only of closers (`]`, `}`, `*`), 0 otherwise. The first closer must
   * outrank the rest: inside a string `]}}` is only more text.
   */
  private closingTokensFor(closers: string): Uint8Array {
    let ranks = this.closingTokens.get(closers);
    if (!ranks) {
      ranks = new Uint8Array(this.vocabSize);
      for (const id of tokensMadeOf(this.vocabulary, closers)) if (id < ranks.length) ranks[id] = 1;
      for (const id of tokensMadeOf(this.vocabulary, closers, closers[0])) if (id < ranks.length) ranks[id] = 2;
      for (const id of this.stopTokenIds) if (id < ranks.length) ranks[id] = 2;
      this.closingTokens.set(closers, ranks);
    }
    return ranks;
  }

  async dispose(): Promise<void> {
    for (const compiling of this.compiled.values()) (await compiling.catch(() => null))?.dispose();
    this.compiled.clear();
    this.compiler.dispose();
    this.info.dispose();
  }

  private evictOldest(): void {
    const [key, compiling] = this.compiled.entries().next().value!;
    this.compiled.delete(key);
    void compiling.then((grammar) => grammar.dispose(), () => undefined);
  }
}

/** The state of one generation under a grammar. */
export class FormatMatcher {
  private readonly mask: Int32Array;

  constructor(
    private readonly xgrammar: XGrammar,
    private readonly matcher: GrammarMatcher,
    private readonly vocabSize: number,
    /** Each token's closing rank: how surely it brings the document nearer its end (see `maskScores`). */
    private readonly closing: Uint8Array,
  ) {
    this.mask = new Int32Array(Math.ceil(vocabSize / 32));
  }

  /** Advances past `tokenId`; false when the grammar does not allow it (the state is then unchanged). */
  accept(tokenId: number): boolean {
    return this.matcher.acceptToken(tokenId);
  }

  /** Whether the document is complete and a stop token was accepted. */
  get terminated(): boolean {
    return this.matcher.isTerminated();
  }

  /**
   * Sets to -Infinity every score in `scores` (one logits row) whose token may
   * not come next. With `closing`, only the allowed tokens of the highest
   * closing rank present stay (a stop token or the first closer, else other
   * closers, else all): the document then ends within a few tokens instead
   * of running out of budget mid-string.
   */
  maskScores(scores: Float32Array, closing = false): void {
    readTokenBitmask(this.xgrammar, this.matcher, this.vocabSize, this.mask);
    const mask = this.mask;
    const end = Math.min(scores.length, this.vocabSize);
    for (let word = 0; word < mask.length; word++) {
      const bits = mask[word]!;
      if (bits === -1) continue;
      const base = word * 32;
      const stop = Math.min(base + 32, end);
      for (let id = base; id < stop; id++) if ((bits & (1 << (id - base))) === 0) scores[id] = -Infinity;
    }
    for (let id = end; id < scores.length; id++) scores[id] = -Infinity;
    if (closing) this.keepOnlyClosing(scores, end);
  }

  private keepOnlyClosing(scores: Float32Array, end: number): void {
    let best = 0;
    for (let id = 0; id < end && best < 2; id++) if (scores[id] !== -Infinity && this.closing[id]! > best) best = this.closing[id]!;
    if (best === 0) return;
    for (let id = 0; id < end; id++) if (this.closing[id]! < best) scores[id] = -Infinity;
  }

  dispose(): void {
    this.matcher.dispose();
  }
}
