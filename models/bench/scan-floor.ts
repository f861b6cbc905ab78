/**
 * The yardstick retrieval is read against: an exact top-k by dot product over
 * row-major unit vectors, as anyone would write it in plain JavaScript (one
 * `Float32Array` loop and a partial top-k, no library). Absolute timings move
 * threefold between machines and with the load on them; a ratio to this
 * floor, measured in the same process and run, does not.
 *
 * Returns the rows best first; on equal scores the earlier row wins.
 */
export function floorTopK(rows: Float32Array, dimension: number, query: Float32Array, k: number): number[] {
  const n = rows.length / dimension;
  const bestScore = new Float64Array(k);
  const bestRow = new Int32Array(k);
  let count = 0;
  for (let r = 0; r < n; r++) {
    let score = 0;
    for (let i = 0, at = r * dimension; i < dimension; i++, at++) score += query[i]! * rows[at]!;
    if (count === k && score <= bestScore[k - 1]!) continue;
    let slot = count < k ? count++ : k - 1;
    while (slot > 0 && bestScore[slot - 1]! < score) {
      bestScore[slot] = bestScore[slot - 1]!;
      bestRow[slot] = bestRow[slot - 1]!;
      slot--;
    }
    bestScore[slot] = score;
    bestRow[slot] = r;
  }
  return Array.from(bestRow.subarray(0, count));
}
