import type { ActionCensus } from '../train/locomo/action-census.js';

/** One table row per conversation and operation kind: how often the reward prefers it. */
export function formatActionCensus(census: readonly ActionCensus[]): string {
  const lines = ['| conversation | decisions (full bank) | kind | strictly best | ties the best | beats the heuristic |', '|---|---:|---|---:|---:|---:|'];
  for (const c of census) {
    for (const [kind, counts] of Object.entries(c.kinds)) {
      const share = (n: number) => `${n} (${((100 * n) / Math.max(1, c.decisions)).toFixed(1)} %)`;
      lines.push(`| ${c.conversation} | ${c.decisions} (${c.full}) | ${kind} | ${share(counts.strictly_best)} | ${share(counts.ties_best)} | ${share(counts.beats_heuristic)} |`);
    }
  }
  return lines.join('\n');
}
