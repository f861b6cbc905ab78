import { stemmer } from 'stemmer';

/**
 * Cheap lexical signals the learned policies combine with embedding
 * similarity: word overlap, negation and change cues, names. They are generic
 * (no task-specific vocabulary) and cost microseconds.
 */

const STOP_WORDS = new Set(
  'a an the and or but of to in on at for with by from as is are was were be been being am do does did has have had i me my you your he him his she her it its we our they them their this that these those there here what which who whom whose when where why how about into over than then so very just also too can could will would should may might must s t'.split(' '),
);
const NEGATIONS = new Set(['not', 'no', 'never', 'none', 'nobody', 'nothing', 'neither', 'nor', "n't", 'cannot', 'without', 'stopped', 'quit', 'anymore', 'longer']);
const CHANGE_CUES = new Set(['now', 'moved', 'switched', 'changed', 'became', 'instead', 'new', 'recently', 'started', 'anymore', 'longer', 'no', 'stopped', 'quit', 'got']);

/** Lower-cased word tokens, with "n't" split off so "doesn't" carries a negation. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/n't\b/g, " n't")
    .split(/[^a-z0-9']+|(?<=\w)'(?=s\b)/)
    .filter((w) => w.length > 0 && w !== "'");
}

/** Porter stems of the words that carry content (not stop words), so "lives" meets "live". */
export function contentWords(text: string): Set<string> {
  return new Set(words(text).filter((w) => !STOP_WORDS.has(w) && !NEGATIONS.has(w) && w !== 's').map(stemmer));
}

export function hasNegation(text: string): boolean {
  return words(text).some((w) => NEGATIONS.has(w));
}

export function hasChangeCue(text: string): boolean {
  return words(text).some((w) => CHANGE_CUES.has(w));
}

/** Capitalised words not at the start of the text: a crude but general stand-in for names. */
export function names(text: string): Set<string> {
  const out = new Set<string>();
  for (const match of text.matchAll(/\b[A-Z][a-z]+\b/g)) out.add(match[0].toLowerCase());
  return out;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Share of `a` that also appears in `b` (0 when `a` is empty). */
export function containment(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / a.size;
}

/** The text as compared for exact duplicates: case, spacing and final punctuation ignored. */
export function normalizedText(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').replace(/[.!?\s]+$/, '').trim();
}
