/**
 * Keeps one message from flooding the memory (issue 16): repeats within a turn
 * are merged, a turn yields at most `FACTS_PER_TURN` facts, and a fact that
 * only restates a memory it was compared with is a NOOP without asking the LLM.
 */

/**
 * Facts kept from one message. A person rarely tells more than about a dozen
 * separate things worth remembering in one message (a long introduction: name,
 * age, city, job, partner, children, two hobbies, a plan or two); past that, a
 * model is splitting sentences or inventing facts. The first ones are kept:
 * extraction lists facts in the order they were said.
 */
export const FACTS_PER_TURN = 12;

/**
 * A fact's identity for "the same words": lower case, letters and digits only,
 * single spaces. "Caroline likes tea." and "caroline likes tea" are the same;
 * "Caroline likes green tea." is not.
 */
export function factKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

export interface FloodFilter {
  facts: string[];
  /** Repeats of an earlier fact of the same turn, merged into it. */
  repeats: string[];
  /** Facts past `FACTS_PER_TURN`, dropped. */
  overCap: string[];
}

/** The turn's facts without repeats, at most `cap` of them, and what was merged and dropped. */
export function filterFlood(facts: readonly string[], cap = FACTS_PER_TURN): FloodFilter {
  const seen = new Set<string>();
  const result: FloodFilter = { facts: [], repeats: [], overCap: [] };
  for (const fact of facts) {
    const key = factKey(fact);
    if (seen.has(key)) result.repeats.push(fact);
    else if (result.facts.length >= cap) result.overCap.push(fact);
    else {
      seen.add(key);
      result.facts.push(fact);
    }
  }
  return result;
}

/** The memory among `memories` whose text says the same words as `fact`, if any. */
export function restatedMemory<M extends { text: string }>(fact: string, memories: readonly M[]): M | undefined {
  const key = factKey(fact);
  return memories.find((m) => factKey(m.text) === key);
}
