import type { Embedder } from '../embed/embedder.js';
import { heuristicDecision } from '../agents/heuristic-prior.js';
import { managerState, managerStateFeatures, type FactView, type ManagerAction, type RelatedMemory } from '../agents/manager-state.js';
import type { CategoricalState } from '../rl/categorical-policy.js';
import { mulberry32 } from '../util/seeded-random.js';
import { dot } from '../util/vector.js';
import { embedAll } from './embedding-cache.js';
import { ATTRIBUTES, HELD_OUT_PEOPLE, TRAIN_PEOPLE, fill, pick, type Attribute } from './synthetic-world.js';

/** What a fact does to the bank, and so which operation is right. */
export type FactKind = 'new' | 'duplicate' | 'paraphrase' | 'revision' | 'retraction';

/** One manager decision whose optimal action is known. */
export interface ManagerExample {
  kind: FactKind;
  fact: FactView;
  related: RelatedMemory[];
  optimal: ManagerAction;
  /** The policy's input, with the heuristic decision as the prior. */
  state: CategoricalState;
  stateFeatures: Float32Array;
  heuristic: ManagerAction;
}

interface PlannedFact {
  kind: FactKind;
  text: string;
  person: string;
  time: string;
  /** The bank memory an UPDATE or DELETE must target. */
  target?: string;
}

interface BankEntry {
  id: string;
  person: string;
  attribute: Attribute;
  value: string;
  text: string;
  time: string;
}

export interface SyntheticTaskOptions {
  seed: number;
  trainStreams: number;
  testStreams: number;
  /** Facts per stream. */
  streamLength?: number;
  /** People interleaved in one stream (their memories compete in retrieval). */
  peoplePerStream?: number;
}

const TOP_K = 10;
const DAY = 86_400_000;

/**
 * Streams of facts about a few people (new attributes, exact repeats,
 * paraphrases, revisions with a change cue, retractions) replayed against a
 * memory bank kept by the optimal manager, as Memory-R1 builds its training
 * states. Held-out streams are about different people.
 */
export async function buildSyntheticManagerTask(embedder: Embedder, options: SyntheticTaskOptions): Promise<{ train: ManagerExample[]; test: ManagerExample[] }> {
  const random = mulberry32(options.seed);
  const plan = (people: readonly string[], streams: number) =>
    Array.from({ length: streams }, () => planStream(people, random, options.streamLength ?? 30, options.peoplePerStream ?? 3));
  const trainPlans = plan(TRAIN_PEOPLE, options.trainStreams);
  const testPlans = plan(HELD_OUT_PEOPLE, options.testStreams);
  const vectors = await embedAll(embedder, [...trainPlans, ...testPlans].flat().map((f) => f.text));
  return { train: trainPlans.flatMap((p) => replay(p, vectors)), test: testPlans.flatMap((p) => replay(p, vectors)) };
}

function planStream(pool: readonly string[], random: () => number, length: number, peopleCount: number): PlannedFact[] {
  const people = [...pool].sort(() => random() - 0.5).slice(0, peopleCount);
  const bank = new Map<string, BankEntry>();
  const facts: PlannedFact[] = [];
  let nextId = 0;
  for (let step = 0; step < length; step++) {
    const time = new Date(Date.UTC(2023, 0, 1) + step * DAY).toISOString();
    const person = pick(people, random);
    const known = [...bank.values()].filter((e) => e.person === person);
    const unknown = ATTRIBUTES.filter((a) => !bank.has(`${person}/${a.name}`));
    const kind = chooseKind(random, known.length > 0, unknown.length > 0);
    if (kind === 'new') {
      const attribute = pick(unknown, random);
      const value = pick(attribute.values, random);
      const entry = { id: `m${nextId++}`, person, attribute, value, text: fill(attribute.statement, person, value), time };
      bank.set(`${person}/${attribute.name}`, entry);
      facts.push({ kind, text: entry.text, person, time });
      continue;
    }
    const entry = pick(known, random);
    if (kind === 'duplicate') facts.push({ kind, text: entry.text, person, time });
    else if (kind === 'paraphrase') facts.push({ kind, text: fill(pick(entry.attribute.paraphrases, random), person, entry.value), person, time });
    else if (kind === 'revision') {
      const value = pick(entry.attribute.values.filter((v) => v !== entry.value), random);
      const text = fill(pick(entry.attribute.revisions, random), person, value);
      facts.push({ kind, text, person, time, target: entry.id });
      Object.assign(entry, { value, text, time }); // the optimal UPDATE lets the new fact supersede
    } else {
      facts.push({ kind, text: fill(pick(entry.attribute.retractions, random), person, entry.value), person, time, target: entry.id });
      bank.delete(`${person}/${entry.attribute.name}`);
    }
  }
  return facts;
}

function chooseKind(random: () => number, anyKnown: boolean, anyUnknown: boolean): FactKind {
  if (!anyKnown) return 'new';
  const weights: Array<[FactKind, number]> = [
    ['new', anyUnknown ? 0.3 : 0],
    ['duplicate', 0.1],
    ['paraphrase', 0.2],
    ['revision', 0.2],
    ['retraction', 0.2],
  ];
  let threshold = random() * weights.reduce((sum, [, w]) => sum + w, 0);
  for (const [kind, weight] of weights) {
    threshold -= weight;
    if (threshold < 0) return kind;
  }
  return 'paraphrase';
}

/** Replays a planned stream against the optimal manager's bank, producing one example per fact whose target is retrievable. */
function replay(facts: readonly PlannedFact[], vectors: ReadonlyMap<string, Float32Array>): ManagerExample[] {
  const bank: RelatedMemory[] = [];
  const examples: ManagerExample[] = [];
  let nextId = 0;
  for (const planned of facts) {
    const fact: FactView = { text: planned.text, vector: vectors.get(planned.text)!, subject: planned.person, time: planned.time };
    const related = bank
      .map((memory) => ({ ...memory, score: dot(fact.vector, memory.vector) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, TOP_K);
    const targetIndex = planned.target === undefined ? -1 : related.findIndex((m) => m.id === planned.target);
    const optimal: ManagerAction | undefined =
      planned.kind === 'new' ? { kind: 'ADD' } : planned.kind === 'duplicate' || planned.kind === 'paraphrase' ? { kind: 'NOOP' } : targetIndex >= 0 ? { kind: planned.kind === 'revision' ? 'UPDATE' : 'DELETE', index: targetIndex } : undefined;
    if (optimal) {
      const heuristic = heuristicDecision(fact, related);
      examples.push({ kind: planned.kind, fact, related, optimal, heuristic, state: managerState(fact, related, heuristic), stateFeatures: managerStateFeatures(fact, related) });
    }
    // Keep the bank as the optimal manager would (memory ids follow the plan's numbering).
    if (planned.kind === 'new') bank.push({ id: `m${nextId++}`, text: fact.text, vector: fact.vector, subject: fact.subject, event_time: fact.time, score: 0 });
    else if (planned.kind === 'revision' || planned.kind === 'retraction') {
      const at = bank.findIndex((m) => m.id === planned.target);
      if (planned.kind === 'retraction') bank.splice(at, 1);
      else bank[at] = { ...bank[at]!, text: fact.text, vector: fact.vector, event_time: fact.time };
    }
  }
  return examples;
}
