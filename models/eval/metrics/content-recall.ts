/**
 * Content recall: the share of the gold answer's content words that appear in
 * the memories an answerer is given, as the answer prompt renders them (event
 * time and text). Words are normalised and Porter-stemmed as LoCoMo's F1 does,
 * so "painted" meets "paint" and "7 May 2023" meets a memory dated 7 May,
 * 2023. Unlike evidence recall, a memory earns nothing for its sources when
 * its text no longer holds the fact.
 */
import { locomoNormalize } from './normalize-answer.js';
import { porterStem } from './porter-stemmer.js';
import { splitWhitespace } from './python-text.js';

/** Function words that say nothing about whether a memory holds the answer. */
const STOP_WORDS = new Set(
  'a an the and or but of to in on at for with by from as is are was were be been being am do does did has have had it its this that these those there their they them he him his she her we our you your i me my not no yes so than then also very just'.split(' '),
);

/** The stemmed words of `text` after LoCoMo's normalisation. */
export function stemmedWords(text: string): string[] {
  return splitWhitespace(locomoNormalize(text)).map((token) => porterStem(token));
}

/** The answer's content words; for open-domain (category 3) only the part before ";", as LoCoMo scores it. */
export function answerContentWords(answer: string, category: number): Set<string> {
  const gold = category === 3 ? (answer.split(';')[0] ?? '') : answer;
  const words = stemmedWords(gold);
  const content = words.filter((w) => !STOP_WORDS.has(w));
  // An answer made only of function words ("No", "Yes") is its own content.
  return new Set(content.length ? content : words);
}

/**
 * Share of the answer's content words found in `rendered` (the kept
 * memories' prompt lines); `undefined` when the answer has no words to find.
 */
export function contentRecall(answer: string, category: number, rendered: readonly string[]): number | undefined {
  return shareFound(answerContentWords(answer, category), rendered, stemmedWords);
}

/**
 * Share of `wanted` among the words of `rendered` (split by `wordsOf`, which
 * a caller scoring many kept sets may cache); `undefined` when nothing is wanted.
 */
export function shareFound(wanted: ReadonlySet<string>, rendered: readonly string[], wordsOf: (line: string) => readonly string[]): number | undefined {
  if (wanted.size === 0) return undefined;
  const present = new Set(rendered.flatMap(wordsOf));
  let found = 0;
  for (const word of wanted) if (present.has(word)) found++;
  return found / wanted.size;
}
