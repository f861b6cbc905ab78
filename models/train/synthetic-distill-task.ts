import type { Embedder } from '../embed/embedder.js';
import { distillState, distillStateFeatures, vectorCandidates, type Candidate } from '../agents/answer-state.js';
import type { BernoulliState } from '../rl/bernoulli-policy.js';
import { mulberry32 } from '../util/seeded-random.js';
import { dot } from '../util/vector.js';
import { embedAll } from './embedding-cache.js';
import { ATTRIBUTES, HELD_OUT_PEOPLE, TRAIN_PEOPLE, fill, pick } from './synthetic-world.js';

/** One question whose relevant memories are known by construction. */
export interface DistillExample {
  question: string;
  candidates: Candidate[];
  /** Ids of the memories that answer the question. */
  relevant: Set<string>;
  state: BernoulliState;
  stateFeatures: Float32Array;
}

const CANDIDATES = 60;

/**
 * A memory bank about many people (each attribute stated once, sometimes also
 * paraphrased) and one question per person and attribute. The relevant
 * memories are the ones about that person and attribute; everything else among
 * the 60 retrieved is a distractor. Held-out questions are about other people.
 */
export async function buildSyntheticDistillTask(embedder: Embedder, options: { seed: number; worlds?: number }): Promise<{ train: DistillExample[]; test: DistillExample[] }> {
  const random = mulberry32(options.seed);
  const worlds = await Promise.all(Array.from({ length: options.worlds ?? 4 }, () => buildWorld(embedder, random)));
  return { train: worlds.flatMap((w) => w.train), test: worlds.flatMap((w) => w.test) };
}

/** One bank with its own random values, and its questions. */
async function buildWorld(embedder: Embedder, random: () => number): Promise<{ train: DistillExample[]; test: DistillExample[] }> {
  const bank: Array<{ id: string; text: string; person: string; attribute: string }> = [];
  const questions: Array<{ text: string; person: string; attribute: string }> = [];
  for (const person of [...TRAIN_PEOPLE, ...HELD_OUT_PEOPLE]) {
    for (const attribute of ATTRIBUTES) {
      const value = pick(attribute.values, random);
      bank.push({ id: `m${bank.length}`, text: fill(attribute.statement, person, value), person, attribute: attribute.name });
      if (random() < 0.4) bank.push({ id: `m${bank.length}`, text: fill(pick(attribute.paraphrases, random), person, value), person, attribute: attribute.name });
      questions.push({ text: fill(attribute.question, person), person, attribute: attribute.name });
    }
  }
  const vectors = await embedAll(embedder, [...bank.map((m) => m.text), ...questions.map((q) => q.text)]);
  const examples = questions.map((q) => {
    const qv = vectors.get(q.text)!;
    const candidates: Candidate[] = vectorCandidates(bank.map((m) => ({ id: m.id, text: m.text, vector: vectors.get(m.text)!, subject: m.person, event_time: null, score: dot(qv, vectors.get(m.text)!) }))).slice(
      0,
      CANDIDATES,
    );
    const relevant = new Set(bank.filter((m) => m.person === q.person && m.attribute === q.attribute).map((m) => m.id));
    return { person: q.person, example: { question: q.text, candidates, relevant, state: distillState(q.text, candidates), stateFeatures: distillStateFeatures(candidates.map((c) => c.score)) } };
  });
  const retrievable = examples.filter(({ example }) => [...example.relevant].every((id) => example.candidates.some((c) => c.id === id)));
  return {
    train: retrievable.filter((e) => TRAIN_PEOPLE.includes(e.person)).map((e) => e.example),
    test: retrievable.filter((e) => HELD_OUT_PEOPLE.includes(e.person)).map((e) => e.example),
  };
}
