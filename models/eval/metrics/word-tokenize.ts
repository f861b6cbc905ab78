/**
 * A port of NLTK's `word_tokenize` (nltk/tokenize/__init__.py, NLTK 3.8), which
 * Mem0's evaluation code runs on lower-cased text before BLEU: split the text
 * into sentences, then apply `NLTKWordTokenizer` (the improved Treebank
 * tokenizer, nltk/tokenize/destructive.py) to each. The Treebank rules are
 * ported one for one (checked token for token against NLTK 3.8 on every string of
 * locomo10.json, lower-cased and not).
 *
 * The sentence splitter is an approximation: NLTK uses the trained Punkt model,
 * which is data this project does not have. Sentence boundaries only matter
 * here for a period inside the text, since the Treebank rules split off only a
 * sentence's final period. On lower-cased text Punkt ends a sentence after a
 * plain word and a period, but not after a number, a single letter, a word with
 * an inner period ("u.s.", "a.m.") or a known abbreviation, because the next
 * word starts lower-case; that is the rule used here, with a short list of
 * common abbreviations standing in for Punkt's.
 */
import { PYTHON_SPACE, splitWhitespace } from './python-text.js';

// Python 3 matches `\w`, `\b` and `\d` against Unicode characters; JavaScript's
// know only ASCII, so they are spelled out.
const W = '[\\p{L}\\p{N}_]';
const NOT_BEFORE = `(?<!${W})`;
const NOT_AFTER = `(?!${W})`;
const S = PYTHON_SPACE;

type Substitution = readonly [pattern: RegExp, replacement: string];

function rule(pattern: string, replacement: string, flags = ''): Substitution {
  return [new RegExp(pattern, `gu${flags}`), replacement];
}

const STARTING_QUOTES: readonly Substitution[] = [
  rule('([«“‘„]|[`]+)', ' $1 '),
  rule('^"', '``'),
  rule('(``)', ' $1 '),
  rule(`([ ([{<])("|'{2})`, '$1 `` '),
  rule(`(')(?!re|ve|ll|m|t|s|d|n)(${W})${NOT_AFTER}`, '$1 $2', 'i'),
];

const PUNCTUATION: readonly Substitution[] = [
  rule(`([^.])(\\.)([\\])}>"'»”’ ]*)${S}*$`, '$1 $2 $3 '),
  rule('([:,])([^\\p{Nd}])', ' $1 $2'),
  rule('([:,])$', ' $1 '),
  rule('\\.{2,}', ' $& '),
  rule('[;@#$%&]', ' $& '),
  // The final period again, as NLTK does (a no-op after the first rule except for spacing).
  rule(`([^.])(\\.)([\\])}>"']*)${S}*$`, '$1 $2$3 '),
  rule('[?!]', ' $& '),
  rule("([^'])' ", "$1 ' "),
  rule('[*]', ' $& '),
];

const PARENS_BRACKETS = rule('[\\][(){}<>]', ' $& ');
const DOUBLE_DASHES = rule('--', ' -- ');

const ENDING_QUOTES: readonly Substitution[] = [
  rule('([»”’])', ' $1 '),
  rule("''", " '' "),
  rule('"', " '' "),
  rule("([^' ])('[sS]|'[mM]|'[dD]|') ", '$1 $2 '),
  rule("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", '$1 $2 '),
];

// Robert MacIntyre's contractions, as NLTK lists them.
const CONTRACTIONS: readonly Substitution[] = [
  ...['(can)(not)', "(d)('ye)", '(gim)(me)', '(gon)(na)', '(got)(ta)', '(lem)(me)', "(more)('n)"].map((pair) =>
    rule(`${NOT_BEFORE}${pair}${NOT_AFTER}`, ' $1 $2 ', 'i'),
  ),
  rule(`${NOT_BEFORE}(wan)(na)(?=${S})`, ' $1 $2 ', 'i'),
  rule(` ('t)(is)${NOT_AFTER}`, ' $1 $2 ', 'i'),
  rule(` ('t)(was)${NOT_AFTER}`, ' $1 $2 ', 'i'),
];

function substitute(text: string, substitutions: readonly Substitution[]): string {
  return substitutions.reduce((current, [pattern, replacement]) => current.replace(pattern, replacement), text);
}

/** `NLTKWordTokenizer().tokenize(sentence)`. */
export function treebankTokenize(sentence: string): string[] {
  let text = substitute(sentence, STARTING_QUOTES);
  text = substitute(text, PUNCTUATION);
  text = substitute(text, [PARENS_BRACKETS, DOUBLE_DASHES]);
  text = substitute(` ${text} `, ENDING_QUOTES);
  return splitWhitespace(substitute(text, CONTRACTIONS));
}

// Stand-ins for Punkt's English abbreviations, the ones likely in short answers.
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'vs', 'etc']);
const NUMBER = /^-?[.,]?\d[\d,.-]*$/u;

/** Whether a whitespace-delimited chunk ending in `.`, `?` or `!` ends its sentence. */
function endsSentence(chunk: string): boolean {
  const word = chunk.replace(/["')\]}»”’]+$/u, '');
  if (!word.endsWith('.')) return /[?!]$/u.test(word);
  if (word.endsWith('..')) return false;
  const stem = word.slice(0, -1).replace(/^["'([{«“‘`]+/u, '');
  return !(NUMBER.test(stem) || Array.from(stem).length === 1 || stem.includes('.') || ABBREVIATIONS.has(stem));
}

const CHUNK = new RegExp(`(?:(?!${S}).)+`, 'gsu');

/** Sentences of `text` (the approximation of Punkt described above), each without surrounding whitespace. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start: number | undefined;
  let end = 0;
  for (const match of text.matchAll(CHUNK)) {
    start ??= match.index;
    end = match.index + match[0].length;
    if (endsSentence(match[0])) {
      sentences.push(text.slice(start, end));
      start = undefined;
    }
  }
  if (start !== undefined) sentences.push(text.slice(start, end));
  return sentences;
}

/** NLTK's `word_tokenize(text)`. */
export function wordTokenize(text: string): string[] {
  return splitSentences(text).flatMap(treebankTokenize);
}
