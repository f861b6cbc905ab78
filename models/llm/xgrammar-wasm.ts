/**
 * Loads XGrammar's WebAssembly build (`@mlc-ai/web-xgrammar`, Apache-2.0) in Node.
 *
 * The package says `"type": "module"` but ships a UMD bundle (it reads
 * `exports`, `require` and `__filename`), so neither `import` nor `require`
 * can load it: `import` runs it as ESM where those names do not exist. It is
 * compiled here as the CommonJS module it really is.
 *
 * The bundle's `GrammarMatcher.getNextTokenBitmask()` is async only because it
 * awaits its own lazy initialisation, but transformers.js calls logits
 * processors synchronously. So one line is appended inside the bundle that
 * hands out its (already initialised) embind module, and the mask is read
 * with the same two calls that method makes, synchronously. The version is
 * pinned exactly in package.json; `loadXGrammar` fails loudly if the bundle
 * no longer has the line the hook is placed after.
 */
import { readFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname } from 'node:path';

/** The embind handle of a C++ `xgrammar::GrammarMatcher`. */
export interface MatcherHandle {
  AcceptToken(tokenId: number, verbose: boolean): boolean;
  GetNextTokenBitmask(vocabSize: number): EmbindVector;
  IsTerminated(): boolean;
  Reset(): void;
  delete(): void;
}

interface EmbindVector {
  delete(): void;
}

interface Disposable {
  dispose(): void;
}

export interface TokenizerInfo extends Disposable {
  getVocabSize(): number;
}

export type CompiledGrammar = Disposable;

export interface GrammarCompiler extends Disposable {
  compileJSONSchema(schema: string, anyWhitespace?: boolean, indent?: number, separators?: [string, string], strictMode?: boolean): Promise<CompiledGrammar>;
  compileGrammar(ebnf: string, rootRule?: string): Promise<CompiledGrammar>;
}

export interface GrammarMatcher extends Disposable {
  /** Private in the bundle's typings; read for the synchronous mask (see the module note). */
  readonly handle: MatcherHandle;
  acceptToken(tokenId: number): boolean;
  isTerminated(): boolean;
}

/** The part of the bundle's API the app uses. */
export interface XGrammar {
  TokenizerInfo: {
    /** `vocabType`: `raw`, `byte_fallback` (SentencePiece `<0x0A>`) or `byte_level` (GPT-2's `Ġ`). */
    createTokenizerInfo(encodedVocab: string[], vocabType: string, prependSpace: boolean, vocabSize: number, stopTokenIds: number[]): Promise<TokenizerInfo>;
  };
  GrammarCompiler: { createGrammarCompiler(info: TokenizerInfo, cacheEnabled?: boolean): Promise<GrammarCompiler> };
  GrammarMatcher: { createGrammarMatcher(compiled: CompiledGrammar): Promise<GrammarMatcher> };
  /** The bundle's embind module, set once any of the factories above has resolved. */
  binding(): { vecIntToView(vector: EmbindVector): Int32Array } | null;
}

const HOOK_AFTER = 'exports.default = index;';
const HOOK = 'exports.binding = () => binding;';

let loaded: XGrammar | undefined;

/** The XGrammar module, compiled on first use. */
export function loadXGrammar(): XGrammar {
  if (loaded) return loaded;
  const file = createRequire(import.meta.url).resolve('@mlc-ai/web-xgrammar');
  const source = readFileSync(file, 'utf8');
  if (source.split(HOOK_AFTER).length !== 2) {
    throw new Error(`@mlc-ai/web-xgrammar at ${file} is not the version this app was built for (no single "${HOOK_AFTER}")`);
  }
  const module = new Module(file);
  module.filename = file;
  module.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(file));
  (module as unknown as { _compile(code: string, filename: string): void })._compile(source.replace(HOOK_AFTER, `${HOOK_AFTER}\n${HOOK}`), file);
  loaded = module.exports as XGrammar;
  return loaded;
}

/**
 * Fills `into` with the matcher's next-token bitmask (bit `i % 32` of word
 * `i >> 5` set: token `i` may come next), synchronously.
 */
export function readTokenBitmask(xgrammar: XGrammar, matcher: GrammarMatcher, vocabSize: number, into: Int32Array): void {
  const binding = xgrammar.binding();
  if (!binding) throw new Error('XGrammar is not initialised: create the matcher before reading masks');
  const vector = matcher.handle.GetNextTokenBitmask(vocabSize);
  try {
    into.set(binding.vecIntToView(vector));
  } finally {
    vector.delete();
  }
}
