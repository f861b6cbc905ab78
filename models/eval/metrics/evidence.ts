/**
 * Evidence metrics of DESIGN §6's evidence track: how well the memories an
 * agent kept cover the dialogue turns LoCoMo marks as a question's evidence.
 * Both sides are sets of canonical dialogue ids (`normalizeDiaId`), so a
 * duplicated id counts once and odd spellings match.
 */
import { diaIdSet } from './dia-id.js';
import { f1FromCounts } from './f1.js';

function overlap(kept: ReadonlySet<string>, gold: ReadonlySet<string>): number {
  let shared = 0;
  for (const id of gold) if (kept.has(id)) shared += 1;
  return shared;
}

/**
 * The share of the gold evidence ids found among the kept memories' source ids
 * (LoCoMo's `recall_acc` with ids made canonical and unique). With no gold
 * evidence it returns 0, never NaN: such a question says nothing about
 * evidence, and the benchmark leaves it out (LoCoMo's code counts it as 1).
 */
export function evidenceRecall(keptSources: Iterable<string>, goldEvidence: Iterable<string>): number {
  const gold = diaIdSet(goldEvidence);
  return gold.size === 0 ? 0 : overlap(diaIdSet(keptSources), gold) / gold.size;
}

/**
 * F1 between the kept memories' source ids and the gold evidence ids: recall
 * as above, precision the share of kept ids that are evidence, so keeping
 * everything is not rewarded. An empty kept set (or empty gold) scores 0.
 */
export function evidenceF1(keptSources: Iterable<string>, goldEvidence: Iterable<string>): number {
  const kept = diaIdSet(keptSources);
  const gold = diaIdSet(goldEvidence);
  return f1FromCounts(overlap(kept, gold), kept.size, gold.size);
}
