import type { BernoulliState } from '../../rl/bernoulli-policy.js';
import { evidenceRecall } from '../metrics/evidence.js';
import type { DistillExample } from '../bank/distill-example.js';
import { topIndices } from './kept-figures.js';

/**
 * The `supervised` baseline: a per-candidate logistic regression on the same
 * features the distillation policy sees (plus its prior logit), trained on
 * labels — a candidate is positive when its sources hold some of the
 * question's gold evidence — instead of on outcomes. It is the strongest
 * cheap thing a learned distiller must beat (issue 12).
 */
export class SupervisedRanker {
  private constructor(
    private readonly weights: Float64Array,
    private readonly mean: Float64Array,
    private readonly scale: Float64Array,
    readonly l2: number,
  ) {}

  /** Keep logits for a state's candidates. */
  scores(state: BernoulliState): Float64Array {
    const rows = state.prior.length;
    const dim = this.weights.length - 1;
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let z = this.weights[dim]!;
      const row = rowOf(state, r);
      for (let j = 0; j < dim; j++) z += this.weights[j]! * ((row[j]! - this.mean[j]!) / this.scale[j]!);
      out[r] = z;
    }
    return out;
  }

  /**
   * Fits on `train` for each L2 strength and keeps the one whose top-`budget`
   * evidence recall on `validation` is highest (ties: the stronger penalty).
   */
  static fit(train: readonly DistillExample[], validation: readonly DistillExample[], budget: number): SupervisedRanker {
    const { rows, labels } = dataset(train);
    const dim = rows[0]?.length ?? 0;
    const mean = new Float64Array(dim);
    const scale = new Float64Array(dim).fill(1);
    for (const row of rows) for (let j = 0; j < dim; j++) mean[j]! += row[j]! / rows.length;
    for (let j = 0; j < dim; j++) {
      const variance = rows.reduce((sum, row) => sum + (row[j]! - mean[j]!) ** 2, 0) / Math.max(1, rows.length);
      scale[j] = Math.sqrt(variance) || 1;
    }
    const standardised = rows.map((row) => row.map((x, j) => (x - mean[j]!) / scale[j]!));
    let best: { ranker: SupervisedRanker; recall: number } | undefined;
    for (const l2 of L2_STRENGTHS) {
      const ranker = new SupervisedRanker(logisticRegression(standardised, labels, l2), mean, scale, l2);
      const recall = recallAt(validation, budget, (e) => ranker.scores(e.state));
      if (!best || recall >= best.recall) best = { ranker, recall };
    }
    return best!.ranker;
  }
}

/** L2 strengths tried, weakest first. */
const L2_STRENGTHS = [1e-4, 1e-3, 1e-2, 1e-1];
const ITERATIONS = 300;
const LEARNING_RATE = 0.05;

/** A candidate's features and its prior logit, as one row. */
function rowOf(state: BernoulliState, r: number): Float64Array {
  const dim = state.features.length / Math.max(1, state.prior.length);
  const row = new Float64Array(dim + 1);
  for (let j = 0; j < dim; j++) row[j] = state.features[r * dim + j]!;
  row[dim] = state.prior[r]!;
  return row;
}

function dataset(examples: readonly DistillExample[]): { rows: Float64Array[]; labels: number[] } {
  const rows: Float64Array[] = [];
  const labels: number[] = [];
  for (const example of examples) {
    example.candidates.forEach((candidate, r) => {
      rows.push(rowOf(example.state, r));
      labels.push(evidenceRecall(candidate.sources, example.question.evidence) > 0 ? 1 : 0);
    });
  }
  return { rows, labels };
}

/** Full-batch Adam on the mean log-loss plus l2·|w|² (the bias unpenalised); returns the weights, bias last. */
function logisticRegression(rows: readonly Float64Array[], labels: readonly number[], l2: number): Float64Array {
  const dim = rows[0]?.length ?? 0;
  const w = new Float64Array(dim + 1);
  const m = new Float64Array(dim + 1);
  const v = new Float64Array(dim + 1);
  for (let t = 1; t <= ITERATIONS; t++) {
    const grad = new Float64Array(dim + 1);
    rows.forEach((row, i) => {
      let z = w[dim]!;
      for (let j = 0; j < dim; j++) z += w[j]! * row[j]!;
      const error = 1 / (1 + Math.exp(-z)) - labels[i]!;
      for (let j = 0; j < dim; j++) grad[j]! += (error * row[j]!) / rows.length;
      grad[dim]! += error / rows.length;
    });
    for (let j = 0; j < dim; j++) grad[j]! += 2 * l2 * w[j]!;
    for (let j = 0; j <= dim; j++) {
      m[j] = 0.9 * m[j]! + 0.1 * grad[j]!;
      v[j] = 0.999 * v[j]! + 0.001 * grad[j]! ** 2;
      w[j]! -= (LEARNING_RATE * (m[j]! / (1 - 0.9 ** t))) / (Math.sqrt(v[j]! / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  return w;
}

/** Mean evidence recall of the `budget` best-scored candidates. */
export function recallAt(examples: readonly DistillExample[], budget: number, scores: (example: DistillExample) => ArrayLike<number>): number {
  let total = 0;
  for (const example of examples) {
    const kept = topIndices(scores(example), budget).map((i) => example.candidates[i]!);
    total += evidenceRecall(kept.flatMap((m) => m.sources), example.question.evidence);
  }
  return total / Math.max(1, examples.length);
}
