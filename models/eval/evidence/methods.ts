import type { BankKind } from '../bank/build-sim-bank.js';

/**
 * The methods the evidence track compares in one run, on the same banks and
 * candidates (issue 12, DESIGN §6):
 * - `rag`: raw turns, kept by retrieval rank;
 * - `heuristic`: the zero-shot similarity manager over LoCoMo's observations, kept by rank
 *   (not Mem0, which needs an LLM; the QA track runs the LLM's own decisions);
 * - `add-all`: every observation ADDed, kept by rank;
 * - `topk`: the distillation candidates (below) kept by retrieval rank;
 * - `supervised`: the same candidates scored by a per-candidate logistic regression on the
 *   distillation features, trained on conv-26's evidence labels, its L2 chosen on conv-30;
 * - `ppo` / `grpo`: the trained manager builds the bank, the trained answer agent distils.
 * `topk` and `supervised` distil the `grpo` method's candidates (its trained manager's bank;
 * the heuristic's when no grpo manager is trained), so the three compare on the same 60.
 */
export const EVIDENCE_METHODS = ['rag', 'heuristic', 'add-all', 'topk', 'supervised', 'ppo', 'grpo'] as const;
export type EvidenceMethod = (typeof EVIDENCE_METHODS)[number];

/** How a method scores its candidates: their retrieval rank, the supervised classifier, or a trained policy's keep logits. */
export type Distiller = 'rank' | 'supervised' | 'ppo' | 'grpo';

export interface EvidencePlan {
  /** `distillation`: the bank `topk`, `supervised` and `grpo` share. */
  bank: BankKind | 'distillation';
  distiller: Distiller;
}

export const EVIDENCE_PLANS: Record<EvidenceMethod, EvidencePlan> = {
  rag: { bank: 'turns', distiller: 'rank' },
  heuristic: { bank: 'heuristic', distiller: 'rank' },
  'add-all': { bank: 'add-all', distiller: 'rank' },
  topk: { bank: 'distillation', distiller: 'rank' },
  supervised: { bank: 'distillation', distiller: 'supervised' },
  ppo: { bank: 'ppo', distiller: 'ppo' },
  grpo: { bank: 'distillation', distiller: 'grpo' },
};

/** Without `--budget`, a rank method keeps the top 10 (the operating point of Mem0-style baselines). */
export const RANK_TOP = 10;
