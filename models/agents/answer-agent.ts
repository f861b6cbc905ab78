import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { Embedder } from '../embed/embedder.js';
import type { ChatModel, TokenChunk } from '../llm/chat-model.js';
import type { MemoryRecord } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import type { BernoulliPolicy, BernoulliState, KeepMask } from '../rl/bernoulli-policy.js';
import { dot } from '../util/vector.js';
import { candidatesFromHits, distillState, topIndices } from './answer-state.js';
import { fuseRankings, mergeSubjectLists, subjectQuotas, type FusedHit } from './fuse-rankings.js';
import { answerFormat } from './output-formats.js';
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
  /** With exactly two subjects (LoCoMo's two speakers) the candidates are split between them (`subjectQuotas`: half each, as the paper, unless the question names one). */
  subjects?: readonly string[];
  /** The scope of the chat or tool asking: only its memories are candidates (default `personal`). */
  scope?: string;
  /**
   * `hybrid` (default) ranks candidates by vector and full-text (BM25) search
   * fused by reciprocal rank (DESIGN §4.1, `fuseRankings`, as the benchmark
   * does over its in-memory banks); `vector` by cosine alone. Either way a
   * candidate's `score` is its cosine similarity to the question.
   */
  retrieval?: 'hybrid' | 'vector';
  /**
   * How many candidates are kept: the K best by the policy's keep logit
   * (default 8, the budget the LoCoMo policies are trained and selected at).
   * A fixed size keeps the answer prompt's length predictable and compares
   * distillers at equal cost; what the policy learns is the order.
   */
  keep?: number;
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
export const DEFAULT_KEEP = 8;

/**
 * The Answer Agent (Memory-R1 §3.2): retrieve 60 candidate memories, distil
 * them with the Bernoulli keep/drop policy, answer from the kept ones with the
 * paper's prompt. Keeps the K best by default; pass `random` to sample the
 * keep/drop policy instead (RL).
 */
export class AnswerAgent {
  constructor(private readonly options: AnswerAgentOptions) {}

  /** Retrieval and distillation only (the LLM-free path). */
  async distil(question: string, random?: () => number): Promise<AnswerResult> {
    // The embedding runs while the count and the word search go on in LanceDB: neither needs it.
    const embedding = this.options.embedder.embed([question]).then(([vector]) => vector!);
    embedding.catch(() => undefined); // awaited in retrieve: a failure surfaces there, not as an unhandled rejection
    const hits = await this.retrieve(question, embedding);
    const state = distillState(question, candidatesFromHits(hits));
    const mask = random ? this.options.policy.sample(state, random, 1) : topMask(this.options.policy.stateLogits(state), this.options.keep ?? DEFAULT_KEEP);
    const records = hits.map((h) => h.item);
    return { question, candidates: records, scores: hits.map((h) => h.cosine), state, mask, kept: records.filter((_, i) => mask[i] === 1) };
  }

  /** Distils, then answers with the LLM when there is one. */
  async answer(question: string, random?: () => number): Promise<AnswerResult> {
    return this.complete(await this.distil(question, random));
  }

  /** Answers from `result.kept` with the LLM (a benchmark may set the kept set itself); unchanged without an LLM. */
  async complete(result: AnswerResult): Promise<AnswerResult> {
    if (!this.options.llm) return result;
    const reply = await this.options.llm.generate(this.prompt(result), { maxTokens: 200, format: answerFormat() });
    const parsed = parseAnswer(reply.text);
    return { ...result, answer: parsed.answer, selected: parsed.selected, ...(parsed.reason ? { reason: parsed.reason } : {}) };
  }

  /** Distils, then streams the LLM's reply (for the chat). */
  async *streamAnswer(question: string, signal?: AbortSignal): AsyncGenerator<{ distilled: AnswerResult } | { token: TokenChunk }> {
    const distilled = await this.distil(question);
    yield { distilled };
    if (!this.options.llm) return;
    for await (const token of this.options.llm.stream(this.prompt(distilled), { maxTokens: 200, format: answerFormat(), ...(signal ? { signal } : {}) })) yield { token };
  }

  /** The paper's answer prompt over the kept memories. */
  prompt(result: AnswerResult) {
    return keptMemoriesPrompt(result.question, result.kept);
  }

  private async retrieve(question: string, embedding: Promise<Float32Array>): Promise<FusedHit<MemoryRecord>[]> {
    const { store, subjects } = this.options;
    const scope = this.options.scope ?? DEFAULT_SCOPE;
    const k = this.options.candidates ?? DEFAULT_CANDIDATES;
    if ((await store.count({ scope })) === 0) {
      await embedding;
      return [];
    }
    const hybrid = (this.options.retrieval ?? 'hybrid') === 'hybrid';
    const search = async (limit: number, subject?: string) => {
      const filter = subject ? { subject, scope } : { scope };
      const [vector, texts] = await Promise.all([embedding, hybrid ? store.search(question, { k: limit, mode: 'text', ...filter }) : []]);
      const byVector = (await store.search(vector, { k: limit, ...filter })).map(({ memory, score }) => ({ item: memory, cosine: score }));
      const byText = texts.map(({ memory, score }) => ({ item: memory, bm25: score }));
      return fuseRankings(byVector, byText, (m) => m.id, (m) => dot(vector, m.vector), limit);
    };
    if (subjects?.length !== 2) return search(k);
    // Per-subject lists merge by their fused scores, computed the same way in each list.
    const pair: [string, string] = [subjects[0]!, subjects[1]!];
    const quotas = subjectQuotas(question, pair, k);
    return mergeSubjectLists(await Promise.all(pair.map((subject, i) => search(quotas[i]!, subject))));
  }
}

/** 1 for the `keep` highest logits (ties: the better retrieved), 0 for the rest. */
function topMask(logits: ArrayLike<number>, keep: number): KeepMask {
  const kept = new Set(topIndices(logits, keep));
  return Array.from(logits, (_, i) => (kept.has(i) ? 1 : 0));
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
