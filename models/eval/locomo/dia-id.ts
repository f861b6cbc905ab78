// One dia_id is "D<session>:<turn>". The file also has "D8:6; D9:17",
// "D9:1 D4:4", "D26:14, D26:34" (several in one string), "D:11:26" (an extra
// colon), "D30:05" (a leading zero) and a bare "D"; hand-edited ids also show
// stray spaces ("D1: 3") and lower case. Matching ids rather than splitting on
// separators reads all of these, since "D1: 3" would split into two halves.
const DIA_ID = /D\s*:?\s*(\d+)\s*:\s*(\d+)/gi;

/**
 * The canonical ids (`D<n>:<k>`, no leading zeros) that a dia_id string names,
 * in order and without duplicates; text that names no id is dropped.
 */
export function normalizeDiaId(id: string): string[] {
  const ids = Array.from(id.matchAll(DIA_ID), (m) => `D${Number(m[1])}:${Number(m[2])}`);
  return [...new Set(ids)];
}
