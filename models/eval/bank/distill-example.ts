import { candidatesFromHits, distillState, distillStateFeatures } from '../../agents/answer-state.js';
import type { BernoulliState } from '../../rl/bernoulli-policy.js';
import type { EmbeddedQuestion } from './embedded-conversation.js';
import { candidatePool } from './hybrid-pool.js';
import type { SimMemory } from './sim-bank.js';

/** Candidates retrieved per question (the paper: 60). */
export const POOL_SIZE = 60;

/** One question as the Answer Agent sees it over a bank: its 60 candidates and the distillation state. */
export interface DistillExample {
  question: EmbeddedQuestion['question'];
  candidates: SimMemory[];
  state: BernoulliState;
  /** The PPO critic's input. */
  stateFeatures: Float32Array;
}

/** Retrieves a question's candidates from a bank (30 per speaker, hybrid) and builds the distillation state. */
export function distillExample(memories: readonly SimMemory[], asked: EmbeddedQuestion, speakers: readonly string[]): DistillExample {
  const hits = candidatePool(memories, { text: asked.question.question, vector: asked.vector }, speakers, POOL_SIZE);
  return {
    question: asked.question,
    candidates: hits.map((h) => h.item),
    state: distillState(asked.question.question, candidatesFromHits(hits)),
    stateFeatures: distillStateFeatures(hits.map((h) => h.cosine)),
  };
}
