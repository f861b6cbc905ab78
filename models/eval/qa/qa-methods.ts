/**
 * The methods the QA track compares (DESIGN §6), each answered by the LLM
 * from a bank built through the real store with the LLM's prior:
 * - `rag`: raw turns, the top 10 by retrieval score;
 * - `heuristic`: the zero-shot manager over the facts, the top 10 kept;
 * - `heuristic-60`: the same bank with all 60 candidates kept (the paper's no-distillation ablation);
 * - `ppo` / `grpo`: the trained manager builds the bank and the trained answer agent distils.
 */
export const QA_METHODS = ['rag', 'heuristic', 'heuristic-60', 'ppo', 'grpo'] as const;
export type QaMethod = (typeof QA_METHODS)[number];

/** Where a method's bank comes from, and how its candidates are kept. */
export interface MethodPlan {
  bank: 'turns' | 'observations';
  /** `prior` for the zero-shot manager, else the algorithm whose trained checkpoints to load. */
  manager: 'prior' | 'ppo' | 'grpo' | 'none';
  /** A fixed number kept by retrieval rank, or the trained distillation policy. */
  keep: { top: number } | { policy: 'ppo' | 'grpo' };
}

export const QA_METHOD_PLANS: Record<QaMethod, MethodPlan> = {
  rag: { bank: 'turns', manager: 'none', keep: { top: 10 } },
  heuristic: { bank: 'observations', manager: 'prior', keep: { top: 10 } },
  'heuristic-60': { bank: 'observations', manager: 'prior', keep: { top: 60 } },
  ppo: { bank: 'observations', manager: 'ppo', keep: { policy: 'ppo' } },
  grpo: { bank: 'observations', manager: 'grpo', keep: { policy: 'grpo' } },
};

/** A comma-separated method list, checked against `known` (a clear error names the choices). */
export function parseMethodList<M extends string>(list: string, known: readonly M[]): M[] {
  const methods = list.split(',').map((m) => m.trim()).filter(Boolean);
  const unknown = methods.filter((m) => !(known as readonly string[]).includes(m));
  if (unknown.length || !methods.length) throw new Error(`unknown method(s) ${unknown.join(', ') || '(none)'}; choose from ${known.join(', ')}`);
  return methods as M[];
}
