/**
 * Answer normalisation of SQuAD's evaluation script (`normalize_answer`: lower-case,
 * drop ASCII punctuation, drop the articles a/an/the, collapse whitespace) and
 * LoCoMo's variant of it (snap-research/locomo `task_eval/evaluation.py`), which
 * first removes commas and also drops the word "and".
 */
import { splitWhitespace } from './python-text.js';

// Python's `string.punctuation`: ASCII only, so curly quotes and the like stay.
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

// Python 3 matches `\b` against Unicode word characters; JavaScript's `\b` knows
// only ASCII ones, so the word boundary is spelled out (the `regex` module that
// LoCoMo uses counts combining marks as word characters too).
const WORD_CHAR = '[\\p{L}\\p{N}\\p{M}_]';

function wordsPattern(words: readonly string[]): RegExp {
  return new RegExp(`(?<!${WORD_CHAR})(?:${words.join('|')})(?!${WORD_CHAR})`, 'gu');
}

const ARTICLES = wordsPattern(['a', 'an', 'the']);
const ARTICLES_AND_AND = wordsPattern(['a', 'an', 'the', 'and']);

function normalize(text: string, dropped: RegExp): string {
  // The reference order: lower, strip punctuation, drop the words, fix whitespace.
  const words = text.toLowerCase().replace(PUNCTUATION, '').replace(dropped, ' ');
  return splitWhitespace(words).join(' ');
}

/** SQuAD's `normalize_answer`. */
export function squadNormalize(text: string): string {
  return normalize(text, ARTICLES);
}

/** LoCoMo's `normalize_answer` (its comma removal is subsumed by the punctuation step). */
export function locomoNormalize(text: string): string {
  return normalize(text, ARTICLES_AND_AND);
}
