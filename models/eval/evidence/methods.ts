/**
 * The methods the evidence track compares (issue 5, DESIGN §6):
 * - `rag`: raw turns, the top 10 by retrieval score;
 * - `mem0`: the zero-shot (heuristic) manager over LoCoMo's observations, the top 10 kept;
 * - `mem0-60`: the same bank with all 60 candidates kept (the paper's no-distillation ablation);
 * - `ppo` / `grpo`: the trained manager builds the bank and the trained answer agent distils.
 */
export const EVIDENCE_METHODS = ['rag', 'mem0', 'mem0-60', 'ppo', 'grpo'] as const;
export type EvidenceMethod = (typeof EVIDENCE_METHODS)[number];

/** Where a method's bank comes from, and how its candidates are kept. */
export interface MethodPlan {
  bank: 'turns' | 'observations';
  /** `prior` for the zero-shot manager, else the algorithm whose trained checkpoints to load. */
  manager: 'prior' | 'ppo' | 'grpo' | 'none';
  /** A fixed number kept by retrieval rank, or the trained distillation policy. */
  keep: { top: number } | { policy: 'ppo' | 'grpo' };
}

export const METHOD_PLANS: Record<EvidenceMethod, MethodPlan> = {
  rag: { bank: 'turns', manager: 'none', keep: { top: 10 } },
  mem0: { bank: 'observations', manager: 'prior', keep: { top: 10 } },
  'mem0-60': { bank: 'observations', manager: 'prior', keep: { top: 60 } },
  ppo: { bank: 'observations', manager: 'ppo', keep: { policy: 'ppo' } },
  grpo: { bank: 'observations', manager: 'grpo', keep: { policy: 'grpo' } },
};

export function parseMethods(list: string): EvidenceMethod[] {
  const methods = list.split(',').map((m) => m.trim()).filter(Boolean);
  const unknown = methods.filter((m) => !(EVIDENCE_METHODS as readonly string[]).includes(m));
  if (unknown.length || !methods.length) throw new Error(`unknown method(s) ${unknown.join(', ') || '(none)'}; choose from ${EVIDENCE_METHODS.join(', ')}`);
  return methods as EvidenceMethod[];
}
