import type { Embedder } from '../../embed/embedder.js';
import type { LocomoConversation, LocomoQuestion } from '../../eval/locomo/types.js';
import { embedAll } from '../embedding-cache.js';
import type { SimFact } from './sim-bank.js';

/** A LoCoMo conversation with its observations and questions embedded once, for training. */
export interface EmbeddedConversation {
  sampleId: string;
  /** The observations in order, as facts for the manager. */
  facts: SimFact[];
  /** The questions with evidence (the others say nothing about memory). */
  questions: Array<{ question: LocomoQuestion; vector: Float32Array }>;
  questionVector(question: LocomoQuestion): Float32Array;
}

export async function embedConversation(embedder: Embedder, conversation: LocomoConversation, questions: readonly LocomoQuestion[]): Promise<EmbeddedConversation> {
  const asked = questions.filter((q) => q.id.startsWith(`${conversation.sampleId}#`) && q.evidence.length > 0);
  const vectors = await embedAll(embedder, [...conversation.observations.map((o) => o.text), ...asked.map((q) => q.question)]);
  const byQuestion = new Map(asked.map((q) => [q, vectors.get(q.question)!]));
  return {
    sampleId: conversation.sampleId,
    facts: conversation.observations.map((o) => ({ text: o.text, vector: vectors.get(o.text)!, subject: o.subject, time: o.time, sources: o.sources })),
    questions: asked.map((question) => ({ question, vector: byQuestion.get(question)! })),
    questionVector: (question) => byQuestion.get(question)!,
  };
}
