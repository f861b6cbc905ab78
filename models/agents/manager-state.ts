import type { CategoricalState } from '../rl/categorical-policy.js';
import { containment, contentWords, hasChangeCue, hasNegation, jaccard, names, normalizedText } from './text-features.js';

/** A new fact as the manager sees it. */
export interface FactView {
  text: string;
  /** Unit-length embedding. */
  vector: Float32Array;
  subject: string;
  time: string | null;
}

/** A memory retrieved for the fact, best first; `score` is its cosine similarity to the fact. */
export interface RelatedMemory {
  id: string;
  text: string;
  vector: Float32Array;
  subject: string;
  event_time: string | null;
  score: number;
}

/** The manager's action space for K related memories: 2 + 2K actions (DESIGN §4.2). */
export type ManagerAction = { kind: 'ADD' } | { kind: 'NOOP' } | { kind: 'UPDATE'; index: number } | { kind: 'DELETE'; index: number };

const KINDS = ['ADD', 'NOOP', 'UPDATE', 'DELETE'] as const;
/** Per fact-memory pair: the 15 signals below. */
const PAIR = 15;
/** Per fact: change cue, negation, how many related memories, best similarity. */
const GLOBAL = 4;
/** Kind one-hot, one pair block per kind (only the action's own is filled), prior flag, globals. */
export const MANAGER_FEATURE_DIM = KINDS.length + KINDS.length * PAIR + 1 + GLOBAL;
/** The critic sees the globals and the best match's pair signals. */
export const MANAGER_STATE_DIM = GLOBAL + PAIR;
/** The prior's logit bonus on its choice when it gives no probabilities (DESIGN §4.2: a fixed confidence). */
export const PRIOR_CONFIDENCE = 3;
/** The prior logit of an action that is not allowed (ADD into a full bank): probability 0 under any residual. */
export const FORBIDDEN_LOGIT = -1e9;
const MAX_RELATED = 10;

/** ADD, NOOP, UPDATE(0..K-1), DELETE(0..K-1): the order of the policy's actions. */
export function managerActions(relatedCount: number): ManagerAction[] {
  const indices = Array.from({ length: relatedCount }, (_, index) => index);
  return [{ kind: 'ADD' }, { kind: 'NOOP' }, ...indices.map((index) => ({ kind: 'UPDATE' as const, index })), ...indices.map((index) => ({ kind: 'DELETE' as const, index }))];
}

export function actionIndex(action: ManagerAction, relatedCount: number): number {
  switch (action.kind) {
    case 'ADD':
      return 0;
    case 'NOOP':
      return 1;
    case 'UPDATE':
      return 2 + action.index;
    case 'DELETE':
      return 2 + relatedCount + action.index;
  }
}

export function sameAction(a: ManagerAction, b: ManagerAction): boolean {
  return a.kind === b.kind && (a.kind === 'ADD' || a.kind === 'NOOP' || a.index === (b as { index: number }).index);
}

/**
 * The policy's view of one decision: a feature row per action and the prior's
 * logits (its choice gets `priorConfidence`, or the LLM's log-probabilities
 * when given). Memories are expected best first. In a `full` bank (its budget
 * reached) ADD is forbidden.
 */
export function managerState(fact: FactView, related: readonly RelatedMemory[], prior: ManagerAction | Float32Array, priorConfidence = PRIOR_CONFIDENCE, full = false): CategoricalState {
  const actions = managerActions(related.length);
  const bestOfSubject = related.findIndex((m) => m.subject === fact.subject);
  const pairs = related.map((memory, rank) => pairSignals(fact, memory, rank, rank === bestOfSubject));
  const globals = globalSignals(fact, related);
  const priorLogits = prior instanceof Float32Array ? Float32Array.from(prior) : Float32Array.from(actions, (a) => (sameAction(a, prior) ? priorConfidence : 0));
  if (full) priorLogits[0] = FORBIDDEN_LOGIT;
  const chosen = priorChoice(priorLogits);
  const features = new Float32Array(actions.length * MANAGER_FEATURE_DIM);
  actions.forEach((action, row) => {
    const offset = row * MANAGER_FEATURE_DIM;
    const kind = KINDS.indexOf(action.kind);
    features[offset + kind] = 1;
    const pair = action.kind === 'ADD' || action.kind === 'NOOP' ? pairs[0] : pairs[action.index];
    if (pair) features.set(pair, offset + KINDS.length + kind * PAIR);
    features[offset + KINDS.length + KINDS.length * PAIR] = row === chosen ? 1 : 0;
    features.set(globals, offset + KINDS.length + KINDS.length * PAIR + 1);
  });
  return { features, prior: priorLogits };
}

/**
 * The action the prior prefers: the one row whose prior logit is above every
 * other's, or -1 when the top is shared (no preference). The policy's prior
 * flag marks it, so the flag means "the prior's choice" whether the prior is
 * an action with a fixed confidence (+3 on it, 0 elsewhere: the heuristic,
 * and an LLM without log-probabilities) or an LLM's log-probabilities over
 * the actions (all negative, so a sign test would flag nothing).
 */
export function priorChoice(priorLogits: ArrayLike<number>): number {
  let best = -1;
  let tied = false;
  for (let row = 0; row < priorLogits.length; row++) {
    const logit = priorLogits[row]!;
    if (best < 0 || logit > priorLogits[best]!) [best, tied] = [row, false];
    else if (logit === priorLogits[best]) tied = true;
  }
  return tied ? -1 : best;
}

/** The critic's input for PPO: what the state looks like before any action. */
export function managerStateFeatures(fact: FactView, related: readonly RelatedMemory[]): Float32Array {
  const out = new Float32Array(MANAGER_STATE_DIM);
  out.set(globalSignals(fact, related), 0);
  if (related[0]) out.set(pairSignals(fact, related[0], 0, related[0].subject === fact.subject), GLOBAL);
  return out;
}

/**
 * Signals about the fact and one memory. The fact's own cues (change words,
 * negation) are repeated here so each action's block carries them beside the
 * pair signals: a small network then needs no cross-block interaction.
 */
function pairSignals(fact: FactView, memory: RelatedMemory, rank: number, bestOfSubject: boolean): Float32Array {
  const factWords = contentWords(fact.text);
  const memoryWords = contentWords(memory.text);
  const factNames = names(fact.text);
  const sharedName = [...names(memory.text)].some((n) => factNames.has(n));
  return Float32Array.of(
    memory.score,
    jaccard(factWords, memoryWords),
    containment(factWords, memoryWords),
    containment(memoryWords, factWords),
    fact.subject === memory.subject ? 1 : 0,
    hasNegation(fact.text) !== hasNegation(memory.text) ? 1 : 0,
    hasNegation(memory.text) ? 1 : 0,
    normalizedText(fact.text) === normalizedText(memory.text) ? 1 : 0,
    timeGap(fact.time, memory.event_time),
    sharedName ? 1 : 0,
    rank / MAX_RELATED,
    rank === 0 ? 1 : 0,
    bestOfSubject ? 1 : 0,
    hasChangeCue(fact.text) ? 1 : 0,
    hasNegation(fact.text) ? 1 : 0,
  );
}

function globalSignals(fact: FactView, related: readonly RelatedMemory[]): Float32Array {
  return Float32Array.of(hasChangeCue(fact.text) ? 1 : 0, hasNegation(fact.text) ? 1 : 0, related.length / MAX_RELATED, related[0]?.score ?? 0);
}

/** tanh of the fact's lead over the memory in months: > 0 when the fact is newer; 0 when either time is unknown. */
function timeGap(factTime: string | null, memoryTime: string | null): number {
  if (!factTime || !memoryTime) return 0;
  const days = (Date.parse(factTime) - Date.parse(memoryTime)) / 86_400_000;
  return Number.isFinite(days) ? Math.tanh(days / 30) : 0;
}
