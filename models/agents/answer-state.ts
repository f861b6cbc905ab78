import type { BernoulliState } from '../rl/bernoulli-policy.js';
import { dot } from '../util/vector.js';
import type { FusedHit } from './fuse-rankings.js';
import { containment, contentWords, jaccard, names, words } from './text-features.js';

/** A retrieved memory offered to the answer agent, with the signals of the hybrid retrieval that found it. */
export interface Candidate {
  id: string;
  text: string;
  /** Unit-length embedding. */
  vector: Float32Array;
  subject: string;
  event_time: string | null;
  /** Cosine similarity to the question. */
  score: number;
  /** BM25 for the question's words (0 when the full-text list did not find it). */
  bm25: number;
  /** 0-based ranks in the vector and full-text lists; -1 when outside one. */
  vectorRank: number;
  textRank: number;
  /** The fused (reciprocal-rank) retrieval score the candidates are ordered by. */
  fused: number;
}

/** Candidates ranked by cosine alone (no full-text list): what a vector-only retrieval gives. */
export function vectorCandidates(memories: ReadonlyArray<Omit<Candidate, 'bm25' | 'vectorRank' | 'textRank' | 'fused'>>): Candidate[] {
  return [...memories].sort((a, b) => b.score - a.score).map((m, rank) => ({ ...m, bm25: 0, vectorRank: rank, textRank: -1, fused: 1 / (61 + rank) }));
}

/** Signals per candidate (listed in `distillState`). */
export const ANSWER_FEATURE_DIM = 28;
/**
 * The zero-shot keep logit comes from the retrieval score: `PRIOR_FLOOR`
 * plus `PRIOR_SPAN` × the candidate's fused score relative to the best one.
 * The best candidate is kept with p = σ(1) ≈ 0.73; one found by a single list
 * at its top (half the best fused score) with σ(-1) ≈ 0.27; the deepest
 * (a third) with σ(-1.7) ≈ 0.16. Every candidate keeps real probability, so
 * sampling in training explores the whole pool (a rank slope gave rank 40
 * p ≈ 6e-8 and the tail was never tried).
 */
const PRIOR_FLOOR = -3;
const PRIOR_SPAN = 4;
const MAX_CANDIDATES = 60;
/** Per-subject list length in the paper's 30 + 30 retrieval: ranks are read against it. */
const LIST_LENGTH = 30;
const TIME_QUESTION = /\b(when|date|day|month|year|time|how long|before|after|ago)\b/i;
const DAY_MS = 86_400_000;

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
  const topFused = Math.max(1e-9, ...candidates.map((c) => c.fused));
  const topBm25 = Math.max(1e-9, ...candidates.map((c) => c.bm25));
  const mean = candidates.reduce((sum, c) => sum + c.score, 0) / Math.max(1, candidates.length);
  // Candidates about someone the question names, and each one's place among them.
  const namesShared = candidates.map((c) => [...names(c.text)].some((n) => questionNames.has(n)));
  const named = candidates.filter((_, i) => namesShared[i]).map((c) => c.score);
  const bestNamed = named[0] ?? -1;
  // The anchor: the candidate about a named person that shares most of the question's topic words
  // (then the best scored). Memories that restate it support it (paraphrases, one event told twice),
  // and memories from the same time may hold the other half of a multi-hop answer.
  const candidateWords = candidates.map((c) => contentWords(c.text));
  const topicOverlap = candidateWords.map((memoryWords) => containment(topicWords, memoryWords));
  const anchor = candidates.reduce<number>((best, c, i) => {
    if (!namesShared[i] && namesShared.some(Boolean)) return best;
    if (best < 0) return i;
    const better = topicOverlap[i]! > topicOverlap[best]! || (topicOverlap[i] === topicOverlap[best] && c.score > candidates[best]!.score);
    return better ? i : best;
  }, -1);
  const topVector = candidates[0]?.vector;
  const anchorCandidate = anchor >= 0 ? candidates[anchor] : undefined;
  const anchorTime = anchorCandidate?.event_time ? Date.parse(anchorCandidate.event_time) : Number.NaN;
  const features = new Float32Array(candidates.length * ANSWER_FEATURE_DIM);
  let namedRank = 0;
  candidates.forEach((candidate, rank) => {
    const memoryWords = candidateWords[rank]!;
    const isNamed = namesShared[rank]!;
    const nextNamed = isNamed ? (named[namedRank + 1] ?? candidate.score - 1) : 0;
    const time = candidate.event_time ? Date.parse(candidate.event_time) : Number.NaN;
    const daysFromAnchor = Number.isFinite(time) && Number.isFinite(anchorTime) ? Math.abs(time - anchorTime) / DAY_MS : Number.NaN;
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
        anchorCandidate ? dot(candidate.vector, anchorCandidate.vector) : 0,
        rank === anchor ? 1 : 0,
        // The hybrid retrieval's own signals: how each list ranked it, and its fused score.
        candidate.fused / topFused,
        candidate.bm25 / topBm25,
        candidate.vectorRank >= 0 ? 1 - candidate.vectorRank / LIST_LENGTH : 0,
        candidate.textRank >= 0 ? 1 - candidate.textRank / LIST_LENGTH : 0,
        candidate.vectorRank >= 0 && candidate.textRank >= 0 ? 1 : 0,
        // Neighbouring turns: said at the anchor's time (the same session), or near it.
        Number.isFinite(daysFromAnchor) && daysFromAnchor < 0.5 ? 1 : 0,
        Number.isFinite(daysFromAnchor) ? Math.exp(-daysFromAnchor / 14) : 0,
        // Long (merged) memories hold more, and cost more of the answer's prompt.
        Math.min(1, memoryWords.size / 40),
        asksTime ? 1 : 0,
        questionNames.size > 0 && !namesShared[rank] ? 1 : 0,
      ],
      rank * ANSWER_FEATURE_DIM,
    );
    if (isNamed) namedRank++;
  });
  return { features, prior: Float32Array.from(candidates, (c) => PRIOR_FLOOR + (PRIOR_SPAN * c.fused) / topFused) };
}

/** The critic's input for PPO, from the candidates' scores (best first). */
export function distillStateFeatures(scores: readonly number[]): Float32Array {
  return Float32Array.of(scores[0] ?? 0, scores[4] ?? 0, scores[9] ?? 0, scores.length / MAX_CANDIDATES);
}

/** The fused hits of a hybrid retrieval as the distillation policy's candidates (best first). */
export function candidatesFromHits<T extends { id: string; text: string; vector: Float32Array; subject: string; event_time: string | null }>(hits: ReadonlyArray<FusedHit<T>>): Candidate[] {
  return hits.map(({ item, cosine, bm25, vectorRank, textRank, fused }) => ({
    id: item.id,
    text: item.text,
    vector: item.vector,
    subject: item.subject,
    event_time: item.event_time,
    score: cosine,
    bm25,
    vectorRank,
    textRank,
    fused,
  }));
}

/** Indices of the `budget` best scores, best first (ties keep retrieval order). */
export function topIndices(scores: ArrayLike<number>, budget: number): number[] {
  return Array.from(scores, (score, i) => ({ score, i }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, budget)
    .map((x) => x.i);
}
