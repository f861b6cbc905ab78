/**
 * NLTK's `PorterStemmer` in its default mode, NLTK_EXTENSIONS (nltk/stem/porter.py),
 * which LoCoMo's F1 stems every token with. It departs from Porter's 1980
 * algorithm (and from the npm `stemmer` package) in ways that change which
 * words share a stem: words of one or two letters stay as they are, a pool of
 * irregular forms ("dying" -> "die"), "y" becomes "i" only after a consonant
 * that is not the first letter ("enjoy" stays), a two-letter vowel-consonant
 * stem counts as CVC ("ate" stays "ate", not "at"), and extra step-2 rules
 * ("alli", "fulli", "logi"). Measured on LoCoMo's vocabulary, the npm package
 * groups about 1% of the words differently, hence this port.
 *
 * Python indexes strings by code point, so the positional tests below do too.
 */

const IRREGULAR_FORMS = new Map<string, string>([
  ['sky', 'sky'],
  ['skies', 'sky'],
  ['dying', 'die'],
  ['lying', 'lie'],
  ['tying', 'tie'],
  ['news', 'news'],
  ['innings', 'inning'],
  ['inning', 'inning'],
  ['outings', 'outing'],
  ['outing', 'outing'],
  ['cannings', 'canning'],
  ['canning', 'canning'],
  ['howe', 'howe'],
  ['proceed', 'proceed'],
  ['exceed', 'exceed'],
  ['succeed', 'succeed'],
]);

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

/** Per code point: is it a consonant? "y" is one at the start or after a vowel. */
function consonants(word: string): boolean[] {
  const mask: boolean[] = [];
  for (const ch of word) {
    const previous = mask[mask.length - 1];
    mask.push(VOWELS.has(ch) ? false : ch === 'y' ? previous === undefined || !previous : true);
  }
  return mask;
}

/** Porter's m: the number of vowel-consonant transitions. */
function measure(stem: string): number {
  const mask = consonants(stem);
  let count = 0;
  for (let i = 0; i + 1 < mask.length; i += 1) if (!mask[i] && mask[i + 1]) count += 1;
  return count;
}

function hasPositiveMeasure(stem: string): boolean {
  return measure(stem) > 0;
}

function containsVowel(stem: string): boolean {
  return consonants(stem).includes(false);
}

function endsDoubleConsonant(word: string): boolean {
  const chars = Array.from(word);
  const n = chars.length;
  return n >= 2 && chars[n - 1] === chars[n - 2] && consonants(word)[n - 1] === true;
}

/** Porter's *o (consonant-vowel-consonant, the last not w/x/y), plus NLTK's two-letter vowel-consonant case. */
function endsCvc(word: string): boolean {
  const chars = Array.from(word);
  const mask = consonants(word);
  const n = chars.length;
  const cvc = n >= 3 && mask[n - 3] === true && mask[n - 2] === false && mask[n - 1] === true && !['w', 'x', 'y'].includes(chars[n - 1] ?? '');
  return cvc || (n === 2 && mask[0] === false && mask[1] === true);
}

function dropLast(word: string, count: number): string {
  return Array.from(word).slice(0, -count).join('');
}

/** A rule: replace `suffix` by `replacement` when `condition` holds for the stem; `*d` means a double consonant. */
type Rule = readonly [suffix: string, replacement: string, condition?: (stem: string) => boolean];

/** The first rule whose suffix matches decides: it applies, or the word stays as it is. */
function applyRules(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === '*d' && endsDoubleConsonant(word)) {
      const stem = dropLast(word, 2);
      return !condition || condition(stem) ? stem + replacement : word;
    }
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, word.length - suffix.length);
      return !condition || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

function step1a(word: string): string {
  if (word.endsWith('ies') && Array.from(word).length === 4) return `${word.slice(0, -3)}ie`;
  return applyRules(word, [['sses', 'ss'], ['ies', 'i'], ['ss', 'ss'], ['s', '']]);
}

function step1b(word: string): string {
  if (word.endsWith('ied')) return word.slice(0, -3) + (Array.from(word).length === 4 ? 'ie' : 'i');
  if (word.endsWith('eed')) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? `${stem}ee` : word;
  }
  const suffix = ['ed', 'ing'].find((s) => word.endsWith(s) && containsVowel(word.slice(0, -s.length)));
  if (suffix === undefined) return word;
  const stem = word.slice(0, -suffix.length);
  const last = Array.from(stem).at(-1) ?? '';
  return applyRules(stem, [
    ['at', 'ate'],
    ['bl', 'ble'],
    ['iz', 'ize'],
    ['*d', last, () => !['l', 's', 'z'].includes(last)],
    ['', 'e', (s) => measure(s) === 1 && endsCvc(s)],
  ]);
}

function step1c(word: string): string {
  return applyRules(word, [['y', 'i', (stem) => Array.from(stem).length > 1 && consonants(stem).at(-1) === true]]);
}

function step2(word: string): string {
  if (word.endsWith('alli') && hasPositiveMeasure(word.slice(0, -4))) return step2(`${word.slice(0, -4)}al`);
  return applyRules(word, [
    ['ational', 'ate', hasPositiveMeasure],
    ['tional', 'tion', hasPositiveMeasure],
    ['enci', 'ence', hasPositiveMeasure],
    ['anci', 'ance', hasPositiveMeasure],
    ['izer', 'ize', hasPositiveMeasure],
    ['bli', 'ble', hasPositiveMeasure],
    ['alli', 'al', hasPositiveMeasure],
    ['entli', 'ent', hasPositiveMeasure],
    ['eli', 'e', hasPositiveMeasure],
    ['ousli', 'ous', hasPositiveMeasure],
    ['ization', 'ize', hasPositiveMeasure],
    ['ation', 'ate', hasPositiveMeasure],
    ['ator', 'ate', hasPositiveMeasure],
    ['alism', 'al', hasPositiveMeasure],
    ['iveness', 'ive', hasPositiveMeasure],
    ['fulness', 'ful', hasPositiveMeasure],
    ['ousness', 'ous', hasPositiveMeasure],
    ['aliti', 'al', hasPositiveMeasure],
    ['iviti', 'ive', hasPositiveMeasure],
    ['biliti', 'ble', hasPositiveMeasure],
    ['fulli', 'ful', hasPositiveMeasure],
    // NLTK tests the word less "ogi", i.e. the stem with its "l".
    ['logi', 'log', () => hasPositiveMeasure(word.slice(0, -3))],
  ]);
}

function step3(word: string): string {
  return applyRules(word, [
    ['icate', 'ic', hasPositiveMeasure],
    ['ative', '', hasPositiveMeasure],
    ['alize', 'al', hasPositiveMeasure],
    ['iciti', 'ic', hasPositiveMeasure],
    ['ical', 'ic', hasPositiveMeasure],
    ['ful', '', hasPositiveMeasure],
    ['ness', '', hasPositiveMeasure],
  ]);
}

function step4(word: string): string {
  const gt1 = (stem: string): boolean => measure(stem) > 1;
  return applyRules(word, [
    ['al', '', gt1],
    ['ance', '', gt1],
    ['ence', '', gt1],
    ['er', '', gt1],
    ['ic', '', gt1],
    ['able', '', gt1],
    ['ible', '', gt1],
    ['ant', '', gt1],
    ['ement', '', gt1],
    ['ment', '', gt1],
    ['ent', '', gt1],
    ['ion', '', (stem) => gt1(stem) && (stem.endsWith('s') || stem.endsWith('t'))],
    ['ou', '', gt1],
    ['ism', '', gt1],
    ['ate', '', gt1],
    ['iti', '', gt1],
    ['ous', '', gt1],
    ['ive', '', gt1],
    ['ize', '', gt1],
  ]);
}

function step5a(word: string): string {
  if (!word.endsWith('e')) return word;
  const stem = word.slice(0, -1);
  const m = measure(stem);
  return m > 1 || (m === 1 && !endsCvc(stem)) ? stem : word;
}

function step5b(word: string): string {
  return applyRules(word, [['ll', 'l', () => measure(word.slice(0, -1)) > 1]]);
}

/** NLTK's `PorterStemmer().stem(word)`: lower-cases, then stems. */
export function porterStem(word: string): string {
  // NLTK looks the irregular forms and the length up on the word as given.
  const irregular = IRREGULAR_FORMS.get(word);
  if (irregular !== undefined) return irregular;
  const lower = word.toLowerCase();
  if (Array.from(word).length <= 2) return lower;
  return step5b(step5a(step4(step3(step2(step1c(step1b(step1a(lower))))))));
}
