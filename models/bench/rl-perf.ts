import type { Embedder } from '../embed/embedder.js';
import { heuristicDecision } from '../agents/heuristic-prior.js';
import { MANAGER_FEATURE_DIM, managerActions, managerState, sameAction } from '../agents/manager-state.js';
import { CategoricalPolicy } from '../rl/categorical-policy.js';
import { DEFAULT_GRPO, GrpoTrainer } from '../rl/grpo-trainer.js';
import { buildSyntheticManagerTask } from '../train/synthetic-memory-task.js';
import { mulberry32 } from '../util/seeded-random.js';
import { ensureTfBackend } from '../util/tf-backend.js';
import { quantile, round } from './stats.js';

export interface RlFigures {
  /** One GRPO update (sampling, rewards, 2 epochs of gradients) over 64 manager states × G = 8, median. */
  grpo_step_ms: number;
  grpo_step_p95_ms: number;
  /** One manager decision from its 10 related memories, without the LLM: features, prior, policy forward, median. */
  manager_decide_ms: number;
  manager_decide_p95_ms: number;
  actions_per_state_mean: number;
}

/** Times the RL hot paths on real synthetic manager states (real USE embeddings). */
export async function measureRl(embedder: Embedder, onProgress?: (stage: string, done: number, total: number) => void): Promise<RlFigures> {
  await ensureTfBackend();
  const task = await buildSyntheticManagerTask(embedder, { seed: 3, trainStreams: 12, testStreams: 0 });
  const examples = task.train;
  const policy = CategoricalPolicy.create(MANAGER_FEATURE_DIM, { seed: 3 });
  const random = mulberry32(3);
  const trainer = new GrpoTrainer(policy, DEFAULT_GRPO, random);
  const byState = new Map(examples.map((e) => [e.state, e]));
  const reward = (state: (typeof examples)[number]['state'], action: number) => {
    const example = byState.get(state)!;
    return sameAction(managerActions(example.related.length)[action]!, example.optimal) ? 1 : 0;
  };
  const batch = () => Array.from({ length: 64 }, () => examples[Math.floor(random() * examples.length)]!.state);
  const steps: number[] = [];
  for (let i = 0; i < 13; i++) {
    const states = batch();
    const t0 = performance.now();
    await trainer.step(states, reward);
    if (i >= 3) steps.push(performance.now() - t0); // the first steps compile kernels
    onProgress?.('rl: grpo steps', i + 1, 13);
  }
  const decisions: number[] = [];
  const withTen = examples.filter((e) => e.related.length === 10);
  for (let i = 0; i < 500; i++) {
    const { fact, related } = withTen[i % withTen.length]!;
    const t0 = performance.now();
    policy.greedy(managerState(fact, related, heuristicDecision(fact, related)));
    decisions.push(performance.now() - t0);
  }
  onProgress?.('rl: decisions', 500, 500);
  return {
    grpo_step_ms: round(quantile(steps, 0.5)),
    grpo_step_p95_ms: round(quantile(steps, 0.95)),
    manager_decide_ms: round(quantile(decisions.slice(50), 0.5), 3),
    manager_decide_p95_ms: round(quantile(decisions.slice(50), 0.95), 3),
    actions_per_state_mean: round(examples.reduce((sum, e) => sum + 2 + 2 * e.related.length, 0) / examples.length, 1),
  };
}
