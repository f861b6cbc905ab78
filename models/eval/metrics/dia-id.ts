import { normalizeDiaId } from '../locomo/dia-id.js';

export { normalizeDiaId };

/** The set of canonical dialogue ids among `ids` (see `normalizeDiaId` for the odd forms LoCoMo has). */
export function diaIdSet(ids: Iterable<string>): Set<string> {
  const result = new Set<string>();
  for (const id of ids) for (const canonical of normalizeDiaId(id)) result.add(canonical);
  return result;
}
