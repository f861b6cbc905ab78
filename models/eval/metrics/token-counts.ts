/** How often each token occurs: Python's `collections.Counter` over a token list, as BLEU and LoCoMo's F1 use it. */
export function tokenCounts(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}
