import type { FactView, ManagerAction, RelatedMemory } from './manager-state.js';
import { factCount } from './merge-memory.js';
import { normalizedText } from './text-features.js';

/** Cosine at or above which a fact is taken to repeat a memory. */
export const DUPLICATE_SIMILARITY = 0.92;
/** Cosine at or above which a same-subject fact is taken to revise a memory. */
export const REVISION_SIMILARITY = 0.7;
/**
 * A memory holding this many facts is not merged into further (an ADD
 * instead): without the cap, merged memories become centroids of their
 * subject and absorb everything (conv-26 and conv-30: 184 and 169
 * observations collapsed into 47 and 43 memories of ~100 words). With 3, the
 * top 8 candidates held more of the answers' words than with 2 or no cap on
 * both conversations (content recall 0.548 / 0.652 against 0.522 / 0.638 and
 * 0.517 / 0.583).
 */
export const MAX_MERGED_FACTS = 3;

/**
 * The zero-shot decision without an LLM (DESIGN §4.2): a near-duplicate of the
 * best match is a NOOP; a close, not older fact about the same subject
 * UPDATEs it; anything else is ADDed. It never DELETEs: learning when to is
 * left to the policy (as merging into a memory of `MAX_MERGED_FACTS`). When the bank is `full` (its budget reached) an ADD is
 * not allowed: the fact is merged into the closest memory about the same
 * subject, or dropped (NOOP) when there is none.
 */
export function heuristicDecision(fact: FactView, related: readonly RelatedMemory[], full = false): ManagerAction {
  const best = related[0];
  if (!best) return full ? { kind: 'NOOP' } : { kind: 'ADD' };
  if (best.score >= DUPLICATE_SIMILARITY || normalizedText(best.text) === normalizedText(fact.text)) return { kind: 'NOOP' };
  const notOlder = !fact.time || !best.event_time || fact.time >= best.event_time;
  if (best.score >= REVISION_SIMILARITY && best.subject === fact.subject && notOlder && factCount(best.text) < MAX_MERGED_FACTS) return { kind: 'UPDATE', index: 0 };
  if (!full) return { kind: 'ADD' };
  const sameSubject = related.findIndex((m) => m.subject === fact.subject);
  return sameSubject >= 0 ? { kind: 'UPDATE', index: sameSubject } : { kind: 'NOOP' };
}
