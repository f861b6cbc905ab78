/**
 * Per-category and overall means of per-question scores, for the report
 * tables (Memory-R1's Table 1 gives F1 / BLEU-1 / J per LoCoMo category and
 * overall; Mem0's `aggregate_metrics` does the same). Overall is the mean over
 * all questions, not over the category means.
 */
import { categoryName } from './categories.js';

export interface ScoredQuestion {
  category: number;
  /** Metric name -> score of this question, e.g. `{ f1: 0.5, bleu1: 0.4, j: 1 }`. */
  scores: Record<string, number>;
}

export interface MetricSummary {
  mean: number;
  /** Questions that carry this metric (a metric may be missing, e.g. J without a judge). */
  count: number;
}

export interface GroupSummary {
  /** Questions in the group. */
  count: number;
  metrics: Record<string, MetricSummary>;
}

export interface CategorySummary extends GroupSummary {
  category: number;
  /** From `LOCOMO_CATEGORIES`. */
  name: string;
}

export interface Aggregate {
  overall: GroupSummary;
  /** In ascending category order. */
  categories: CategorySummary[];
}

function summarize(rows: readonly ScoredQuestion[]): GroupSummary {
  const sums = new Map<string, { total: number; count: number }>();
  for (const { scores } of rows) {
    for (const [metric, score] of Object.entries(scores)) {
      const sum = sums.get(metric) ?? { total: 0, count: 0 };
      sum.total += score;
      sum.count += 1;
      sums.set(metric, sum);
    }
  }
  const metrics: Record<string, MetricSummary> = {};
  for (const [metric, { total, count }] of sums) metrics[metric] = { mean: total / count, count };
  return { count: rows.length, metrics };
}

/**
 * Means and counts per category and overall. A score that is not a finite
 * number throws a RangeError: one NaN would silently turn a whole column into NaN.
 */
export function aggregate(rows: readonly ScoredQuestion[]): Aggregate {
  const byCategory = new Map<number, ScoredQuestion[]>();
  for (const row of rows) {
    for (const [metric, score] of Object.entries(row.scores)) {
      if (!Number.isFinite(score)) throw new RangeError(`score ${metric} = ${score} (category ${row.category}) is not a finite number`);
    }
    const group = byCategory.get(row.category) ?? [];
    group.push(row);
    byCategory.set(row.category, group);
  }
  const categories = [...byCategory.entries()]
    .sort(([a], [b]) => a - b)
    .map(([category, group]) => ({ category, name: categoryName(category), ...summarize(group) }));
  return { overall: summarize(rows), categories };
}
