import type { BernoulliState } from '../rl/bernoulli-policy.js';
import { dot } from '../util/vector.js';
import { containment, contentWords, jaccard, names, words } from './text-features.js';

/** A retrieved memory offered to the answer agent; `score` is its similarity to the question. */
export interface Candidate {
  id: string;
  text: string;
  /** Unit-length embedding. */
  vector: Float32Array;
  subject: string;
  event_time: string | null;
  score: number;
}

/** Signals per candidate (listed in `distillState`). */
export const ANSWER_FEATURE_DIM = 18;
/** The zero-shot keep logit falls with rank: ranks 0–3 are kept, from rank 4 on dropped. */
const PRIOR_TOP = 2;
const PRIOR_SLOPE = 0.5;
const MAX_CANDIDATES = 60;
const TIME_QUESTION = /\b(when|date|day|month|year|time|how long|before|after|ago)\b/i;

/**
 * The distillation policy's view of one question: a feature row and a prior
 * keep logit per candidate. Candidates are expected best first.
 */
export function distillState(question: string, candidates: readonly Candidate[]): BernoulliState {
  const questionWords = contentWords(question);
  const questionNames = names(question);
  // What the question asks about, names aside ("live" in "Where does Carmen live?").
  const topicWords = new Set([...questionWords].filter((w) => !questionNames.has(w)));
  const questionTokens = new Set(words(question));
  const asksTime = TIME_QUESTION.test(question);
  const top = candidates[0]?.score ?? 0;
  const mean = candidates.reduce((sum, c) => sum + c.score, 0) / Math.max(1, candidates.length);
  // Candidates about someone the question names, and each one's place among them.
  const namesShared = candidates.map((c) => [...names(c.text)].some((n) => questionNames.has(n)));
  const named = candidates.filter((_, i) => namesShared[i]).map((c) => c.score);
  const bestNamed = named[0] ?? -1;
  // The anchor: the candidate about a named person that shares most of the question's topic words
  // (then the best scored). Memories that restate it support it (paraphrases, one event told twice).
  const topicOverlap = candidates.map((c) => containment(topicWords, contentWords(c.text)));
  const anchor = candidates.reduce<number>((best, c, i) => {
    if (!namesShared[i] && namesShared.some(Boolean)) return best;
    if (best < 0) return i;
    const better = topicOverlap[i]! > topicOverlap[best]! || (topicOverlap[i] === topicOverlap[best] && c.score > candidates[best]!.score);
    return better ? i : best;
  }, -1);
  const topVector = candidates[0]?.vector;
  const anchorVector = anchor >= 0 ? candidates[anchor]!.vector : undefined;
  const features = new Float32Array(candidates.length * ANSWER_FEATURE_DIM);
  let namedRank = 0;
  candidates.forEach((candidate, rank) => {
    const memoryWords = contentWords(candidate.text);
    const isNamed = namesShared[rank]!;
    const nextNamed = isNamed ? (named[namedRank + 1] ?? candidate.score - 1) : 0;
    features.set(
      [
        candidate.score,
        candidate.score - top,
        candidate.score - mean,
        rank / MAX_CANDIDATES,
        rank < 5 ? 1 : 0,
        containment(questionWords, memoryWords),
        jaccard(questionWords, memoryWords),
        topicOverlap[rank]!,
        namesShared[rank] ? 1 : 0,
        questionTokens.has(candidate.subject.toLowerCase()) ? 1 : 0,
        asksTime && candidate.event_time ? 1 : 0,
        isNamed && candidate.score === bestNamed ? 1 : 0,
        isNamed ? candidate.score - bestNamed : -1,
        isNamed ? namedRank / 10 : 1,
        isNamed ? candidate.score - nextNamed : 0,
        topVector ? dot(candidate.vector, topVector) : 0,
        anchorVector ? dot(candidate.vector, anchorVector) : 0,
        rank === anchor ? 1 : 0,
      ],
      rank * ANSWER_FEATURE_DIM,
    );
    if (isNamed) namedRank++;
  });
  return { features, prior: Float32Array.from(candidates, (_, rank) => PRIOR_TOP - PRIOR_SLOPE * rank) };
}

/** The critic's input for PPO, from the candidates' scores (best first). */
export function distillStateFeatures(scores: readonly number[]): Float32Array {
  return Float32Array.of(scores[0] ?? 0, scores[4] ?? 0, scores[9] ?? 0, scores.length / MAX_CANDIDATES);
}
