import type { FactView, ManagerAction, RelatedMemory } from './manager-state.js';
import { normalizedText } from './text-features.js';

/** Cosine at or above which a fact is taken to repeat a memory. */
export const DUPLICATE_SIMILARITY = 0.92;
/** Cosine at or above which a same-subject fact is taken to revise a memory. */
export const REVISION_SIMILARITY = 0.7;

/**
 * The zero-shot decision without an LLM (DESIGN §4.2): a near-duplicate of the
 * best match is a NOOP; a close, not older fact about the same subject
 * UPDATEs it; anything else is ADDed. It never DELETEs: learning when to is
 * left to the policy.
 */
export function heuristicDecision(fact: FactView, related: readonly RelatedMemory[]): ManagerAction {
  const best = related[0];
  if (!best) return { kind: 'ADD' };
  if (best.score >= DUPLICATE_SIMILARITY || normalizedText(best.text) === normalizedText(fact.text)) return { kind: 'NOOP' };
  const notOlder = !fact.time || !best.event_time || fact.time >= best.event_time;
  if (best.score >= REVISION_SIMILARITY && best.subject === fact.subject && notOlder) return { kind: 'UPDATE', index: 0 };
  return { kind: 'ADD' };
}
