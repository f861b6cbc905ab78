/**
 * The SentencePiece unigram tokenizer of the Universal Sentence Encoder lite,
 * after the Apache-2.0 implementation in `@tensorflow-models/universal-sentence-encoder`
 * (Copyright 2019 Google LLC). That package pins tfjs 3, so the ~80 lines live here.
 *
 * Viterbi over a trie of the vocabulary: the segmentation with the highest total
 * log-probability wins; consecutive unknown symbols collapse into one id 0.
 */

/** `[piece, logProbability]` pairs; the index in the array is the token id. */
export type UseVocabulary = ReadonlyArray<readonly [string, number]>;

const WORD_START = '\u2581';
/** The first ids are control symbols (`<unk>`, `<s>`, `</s>`, extras) and never match text. */
const RESERVED_SYMBOLS = 6;

interface Piece {
  length: number;
  score: number;
  id: number;
}

class TrieNode {
  readonly children = new Map<string, TrieNode>();
  piece: Piece | undefined;
}

export class UseTokenizer {
  private readonly root = new TrieNode();

  constructor(vocabulary: UseVocabulary) {
    for (let id = RESERVED_SYMBOLS; id < vocabulary.length; id++) {
      const [text, score] = vocabulary[id]!;
      const symbols = [...text];
      let node = this.root;
      for (const symbol of symbols) {
        let next = node.children.get(symbol);
        if (!next) {
          next = new TrieNode();
          node.children.set(symbol, next);
        }
        node = next;
      }
      node.piece = { length: symbols.length, score, id };
    }
  }

  /** Token ids for `input` (NFKC-normalised, spaces marked as word starts). */
  encode(input: string): number[] {
    const normalized = input.normalize('NFKC');
    if (normalized.length === 0) return [];
    const symbols = [...(WORD_START + normalized.replace(/ /g, WORD_START))];
    const n = symbols.length;
    // best[end] = best score of a segmentation of symbols[0, end); choice[end] = last piece of it.
    const best = new Float64Array(n + 1);
    const reached = new Uint8Array(n + 1);
    const choice: Piece[] = new Array<Piece>(n + 1);
    reached[0] = 1;
    for (let start = 0; start < n; start++) {
      if (!reached[start]) continue;
      for (const piece of this.prefixPieces(symbols, start)) {
        const end = start + piece.length;
        const score = best[start]! + piece.score;
        if (!reached[end] || score >= best[end]!) {
          best[end] = score;
          reached[end] = 1;
          choice[end] = piece;
        }
      }
    }
    const ids: number[] = [];
    for (let end = n; end > 0; end -= choice[end]!.length) ids.push(choice[end]!.id);
    ids.reverse();
    return ids.filter((id, i) => !(id === 0 && ids[i - 1] === 0));
  }

  /** Every vocabulary piece that starts at `start`; an unknown single symbol (id 0) when none does. */
  private prefixPieces(symbols: readonly string[], start: number): Piece[] {
    const found: Piece[] = [];
    let node = this.root.children.get(symbols[start]!);
    for (let i = start; node; ) {
      if (node.piece) found.push(node.piece);
      i++;
      node = i < symbols.length ? node.children.get(symbols[i]!) : undefined;
    }
    if (found.length === 0) found.push({ length: 1, score: 0, id: 0 });
    return found;
  }
}
