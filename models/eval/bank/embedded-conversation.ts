import type { Embedder } from '../../embed/embedder.js';
import { turnText } from '../locomo/turn-text.js';
import type { LocomoConversation, LocomoQuestion } from '../locomo/types.js';
import type { SimFact } from './sim-bank.js';

/** A question with evidence, and its embedding. */
export interface EmbeddedQuestion {
  question: LocomoQuestion;
  vector: Float32Array;
}

/** A LoCoMo conversation with every text embedded once: what the in-memory banks are built from. */
export interface EmbeddedConversation {
  sampleId: string;
  speakers: string[];
  /** The observations in order, as facts for the manager. */
  facts: SimFact[];
  /** The raw turns in order, one memory each (the `rag` bank). */
  turns: SimFact[];
  /** The conversation's questions that have evidence (the others say nothing about memory). */
  questions: EmbeddedQuestion[];
}

/**
 * Embeds the conversations' observations, turns (with `withTurns`) and
 * questions in one batch, each distinct text once.
 */
export async function embedConversations(
  embedder: Embedder,
  conversations: readonly LocomoConversation[],
  questions: readonly LocomoQuestion[],
  options: { withTurns?: boolean } = {},
): Promise<EmbeddedConversation[]> {
  const asked = (c: LocomoConversation) => questions.filter((q) => q.id.startsWith(`${c.sampleId}#`) && q.evidence.length > 0);
  const texts = new Set<string>();
  for (const c of conversations) {
    for (const o of c.observations) texts.add(o.text);
    if (options.withTurns) for (const t of c.turns) texts.add(turnText(t));
    for (const q of asked(c)) texts.add(q.question);
  }
  const distinct = [...texts];
  const vectors = await embedder.embed(distinct);
  const vectorOf = new Map(distinct.map((text, i) => [text, vectors[i]!]));
  return conversations.map((c) => ({
    sampleId: c.sampleId,
    speakers: c.speakers,
    facts: c.observations.map((o) => ({ text: o.text, vector: vectorOf.get(o.text)!, subject: o.subject, time: o.time, sources: o.sources })),
    turns: options.withTurns ? c.turns.map((t) => ({ text: turnText(t), vector: vectorOf.get(turnText(t))!, subject: t.speaker, time: t.time, sources: [t.dia_id] })) : [],
    questions: asked(c).map((question) => ({ question, vector: vectorOf.get(question.question)! })),
  }));
}
