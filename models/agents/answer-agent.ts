import type { Embedder } from '../embed/embedder.js';
import type { ChatModel, TokenChunk } from '../llm/chat-model.js';
import type { ScoredMemory } from '../memory/memory-table.js';
import type { MemoryRecord } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import type { BernoulliPolicy, BernoulliState, KeepMask } from '../rl/bernoulli-policy.js';
import { dot } from '../util/vector.js';
import { distillState, type Candidate } from './answer-state.js';
import { parseAnswer } from './parse-answer.js';
import { answerPrompt, type SubjectMemories } from './prompts.js';

export interface AnswerAgentOptions {
  store: MemoryStore;
  embedder: Embedder;
  /** Writes the answer from the kept memories; without it the agent returns the kept memories only. */
  llm?: ChatModel;
  policy: BernoulliPolicy;
  /** Candidates retrieved per question (the paper: 60). */
  candidates?: number;
  /** With exactly two subjects (LoCoMo's two speakers), half the candidates come from each, as in the paper. */
  subjects?: readonly string[];
  /**
   * `hybrid` (default) ranks candidates by vector and full-text (BM25) search
   * fused by reciprocal rank (DESIGN §4.1); `vector` by cosine alone. Either
   * way a candidate's `score` is its cosine similarity to the question.
   */
  retrieval?: 'hybrid' | 'vector';
}

/** What the agent retrieved, kept and (with an LLM) answered. */
export interface AnswerResult {
  question: string;
  candidates: MemoryRecord[];
  scores: number[];
  state: BernoulliState;
  mask: KeepMask;
  kept: MemoryRecord[];
  answer?: string;
  /** The memories the LLM said it used, as it quoted them. */
  selected?: string[];
  /** Why the LLM's reply could not be read, when it could not. */
  reason?: string;
}

const DEFAULT_CANDIDATES = 60;

/**
 * The Answer Agent (Memory-R1 §3.2): retrieve 60 candidate memories, distil
 * them with the Bernoulli keep/drop policy, answer from the kept ones with the
 * paper's prompt. Greedy by default; pass `random` to sample (RL).
 */
export class AnswerAgent {
  constructor(private readonly options: AnswerAgentOptions) {}

  /** Retrieval and distillation only (the LLM-free path). */
  async distil(question: string, random?: () => number): Promise<AnswerResult> {
    const [vector] = await this.options.embedder.embed([question]);
    const hits = await this.retrieve(question, vector!);
    const candidates: Candidate[] = hits.map(({ memory, score }) => ({ id: memory.id, text: memory.text, vector: memory.vector, subject: memory.subject, event_time: memory.event_time, score }));
    const state = distillState(question, candidates);
    const mask = random ? this.options.policy.sample(state, random, 1) : this.options.policy.greedy(state);
    const records = hits.map((h) => h.memory);
    return { question, candidates: records, scores: hits.map((h) => h.score), state, mask, kept: records.filter((_, i) => mask[i] === 1) };
  }

  /** Distils, then answers with the LLM when there is one. */
  async answer(question: string, random?: () => number): Promise<AnswerResult> {
    return this.complete(await this.distil(question, random));
  }

  /** Answers from `result.kept` with the LLM (a benchmark may set the kept set itself); unchanged without an LLM. */
  async complete(result: AnswerResult): Promise<AnswerResult> {
    if (!this.options.llm) return result;
    const reply = await this.options.llm.generate(this.prompt(result), { maxTokens: 200 });
    const parsed = parseAnswer(reply.text);
    return { ...result, answer: parsed.answer, selected: parsed.selected, ...(parsed.reason ? { reason: parsed.reason } : {}) };
  }

  /** Distils, then streams the LLM's reply (for the chat). */
  async *streamAnswer(question: string, signal?: AbortSignal): AsyncGenerator<{ distilled: AnswerResult } | { token: TokenChunk }> {
    const distilled = await this.distil(question);
    yield { distilled };
    if (!this.options.llm) return;
    for await (const token of this.options.llm.stream(this.prompt(distilled), { maxTokens: 200, ...(signal ? { signal } : {}) })) yield { token };
  }

  /** The paper's answer prompt over the kept memories. */
  prompt(result: AnswerResult) {
    return keptMemoriesPrompt(result.question, result.kept);
  }

  private async retrieve(question: string, vector: Float32Array): Promise<ScoredMemory[]> {
    const { store, subjects } = this.options;
    const k = this.options.candidates ?? DEFAULT_CANDIDATES;
    if ((await store.count()) === 0) return [];
    const hybrid = (this.options.retrieval ?? 'hybrid') === 'hybrid';
    const search = (limit: number, subject?: string) =>
      hybrid ? store.search(question, { k: limit, mode: 'hybrid', ...(subject ? { subject } : {}) }) : store.search(vector, { k: limit, ...(subject ? { subject } : {}) });
    // Per-subject lists merge by their own scores: cosines, or reciprocal-rank sums computed the same way in each list.
    const ranked = subjects?.length === 2 ? (await Promise.all(subjects.map((subject) => search(Math.floor(k / 2), subject)))).flat().sort((a, b) => b.score - a.score) : await search(k);
    return ranked.map(({ memory }) => ({ memory, score: dot(vector, memory.vector) }));
  }
}

/** The paper's answer prompt over kept memories, grouped per subject. */
export function keptMemoriesPrompt(question: string, kept: ReadonlyArray<Pick<MemoryRecord, 'id' | 'text' | 'subject' | 'event_time'>>) {
  const groups = new Map<string, SubjectMemories['memories'][number][]>();
  for (const memory of kept) {
    const list = groups.get(memory.subject) ?? [];
    list.push({ id: memory.id, time: memory.event_time, text: memory.text });
    groups.set(memory.subject, list);
  }
  return answerPrompt(question, [...groups].map(([subject, memories]) => ({ subject, memories })));
}
