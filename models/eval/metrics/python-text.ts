/**
 * Python's whitespace, for ports of Python evaluation code: `str.split()` with
 * no argument and `\s` in `re` patterns both use `str.isspace()` (Unicode
 * category Zs, or bidirectional class WS, B or S), which differs from
 * JavaScript's `\s` (Python adds U+001C–U+001F and U+0085; JavaScript adds
 * U+FEFF). Using the same set keeps the ported tokenisers token-for-token equal.
 */

/** The characters for which Python's `str.isspace()` is true, as a regex character class. */
export const PYTHON_SPACE = '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';

const SPACE_RUN = new RegExp(`${PYTHON_SPACE}+`, 'u');

/** Python's `text.split()`: the non-empty runs between whitespace. */
export function splitWhitespace(text: string): string[] {
  return text.split(SPACE_RUN).filter((token) => token !== '');
}
