/**
 * What XGrammar needs to know about a transformers.js tokenizer: every
 * token's string by id, and how those strings encode bytes.
 */
import type { PreTrainedTokenizer } from '@huggingface/transformers';

/** `byte_level`: GPT-2 / Qwen / Llama-3 BPE (`Ġ` for a space); `byte_fallback`: SentencePiece with `<0x0A>` tokens; `raw`: the strings are the text. */
export type VocabType = 'byte_level' | 'byte_fallback' | 'raw';

export interface TokenVocabulary {
  /** Token strings as the tokenizer stores them, indexed by id; ids with no token are empty. */
  tokens: string[];
  type: VocabType;
  /** Whether the tokenizer puts a space before the text (SentencePiece's `▁` prefix). */
  prependSpace: boolean;
}

interface TokenizerJson {
  model?: { byte_fallback?: boolean };
  decoder?: TokenizerPart | null;
  pre_tokenizer?: TokenizerPart | null;
  normalizer?: TokenizerPart | null;
}

interface TokenizerPart {
  type?: string;
  prepend_scheme?: string;
  add_prefix_space?: boolean;
  prepend?: string;
  decoders?: TokenizerPart[];
  pretokenizers?: TokenizerPart[];
  normalizers?: TokenizerPart[];
}

/** The part and every part nested in a `Sequence`. */
function parts(part: TokenizerPart | null | undefined): TokenizerPart[] {
  if (!part) return [];
  return [part, ...[...(part.decoders ?? []), ...(part.pretokenizers ?? []), ...(part.normalizers ?? [])].flatMap(parts)];
}

/** The vocabulary of `tokenizer` (its `tokenizer.json` says the encoding). */
export function tokenVocabulary(tokenizer: PreTrainedTokenizer): TokenVocabulary {
  const json = (tokenizer as unknown as { _tokenizerJSON?: TokenizerJson })._tokenizerJSON ?? {};
  const byId = tokenizer.get_vocab() as Map<string, number>;
  let size = 0;
  for (const id of byId.values()) size = Math.max(size, id + 1);
  const tokens = new Array<string>(size).fill('');
  for (const [token, id] of byId) tokens[id] = token;

  const all = [...parts(json.decoder), ...parts(json.pre_tokenizer), ...parts(json.normalizer)];
  const type: VocabType = all.some((p) => p.type === 'ByteLevel') ? 'byte_level' : json.model?.byte_fallback ? 'byte_fallback' : 'raw';
  const prependSpace = all.some(
    (p) => (p.type === 'Metaspace' && (p.prepend_scheme ?? (p.add_prefix_space ? 'always' : 'never')) !== 'never') || (p.type === 'Prepend' && p.prepend === '\u2581'),
  );
  return { tokens, type, prependSpace };
}

/** How the stored token strings write a space, a newline and a tab. */
const STORED_WHITESPACE: Record<VocabType, Map<string, string>> = {
  byte_level: new Map([['\u0120', ' '], ['\u010a', '\n'], ['\u0109', '\t']]),
  byte_fallback: new Map([['\u2581', ' '], ['<0x0A>', '\n'], ['<0x09>', '\t'], ['<0x20>', ' ']]),
  raw: new Map([['\u2581', ' ']]),
};

/** The text a stored token string stands for, as far as whitespace goes (other bytes are kept as stored). */
function tokenText(token: string, type: VocabType): string {
  const table = STORED_WHITESPACE[type];
  return table.get(token) ?? [...token].map((ch) => table.get(ch) ?? ch).join('');
}

/** Ids of the tokens whose text is one or more of `characters` and nothing else (and includes `including`, when given). */
export function tokensMadeOf(vocabulary: TokenVocabulary, characters: string, including?: string): number[] {
  const allowed = new Set(characters);
  const ids: number[] = [];
  vocabulary.tokens.forEach((token, id) => {
    const text = token ? tokenText(token, vocabulary.type) : '';
    if (text && [...text].every((ch) => allowed.has(ch)) && (including === undefined || text.includes(including))) ids.push(id);
  });
  return ids;
}
