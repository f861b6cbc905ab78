import type { Embedder } from '../embed/embedder.js';
import type { ChatModel } from '../llm/chat-model.js';
import type { ScoredMemory } from '../memory/memory-table.js';
import type { MemoryRecord, OperationRecord } from '../memory/records.js';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { MemoryStore } from '../memory/store.js';
import type { CategoricalPolicy, CategoricalState } from '../rl/categorical-policy.js';
import { filterFlood, restatedMemory, type FloodFilter } from './fact-flood.js';
import { heuristicDecision } from './heuristic-prior.js';
import { decisionLogprobs, logprobPrior, type DecisionLogprobs } from './logprob-prior.js';
import { mergeMemory } from './merge-memory.js';
import { actionIndex, managerActions, managerState, PRIOR_CONFIDENCE, type FactView, type ManagerAction, type RelatedMemory } from './manager-state.js';
import { parseFacts } from './parse-facts.js';
import { parseUpdateDecision } from './parse-update-decision.js';
import { factsFormat, updateDecisionFormat } from './output-formats.js';
import { factExtractionPrompt, updateDecisionPrompt } from './prompts.js';

export interface MemoryManagerOptions {
  store: MemoryStore;
  embedder: Embedder;
  /** Extracts facts and gives the prior decision; without it the message is the fact and a similarity heuristic is the prior. */
  llm?: ChatModel;
  policy: CategoricalPolicy;
  /** Recorded in each operation's origin (`manager@<version>`). */
  policyVersion: string;
  /** The origin journaled instead, when the text came from another tool (`mcp:<client>/manager@<version>`). */
  origin?: string;
  /** Related memories considered per fact (the paper: 10). */
  topK?: number;
  /** The scope of the chat or tool the message came from: only its memories are related, and new ones go there (default `personal`). */
  scope?: string;
  /**
   * The bank's budget: with this many memories stored, ADD is not allowed and
   * a fact must be merged (UPDATE), must replace one (DELETE) or be dropped
   * (NOOP). Unlimited when absent.
   */
  capacity?: number;
  /**
   * Told when extraction gave repeats or more than `FACTS_PER_TURN` facts;
   * `parserNote` is what the parser already dropped (exact repeats, unusable
   * items). Default: one line on the console.
   */
  onFloodFiltered?: (filtered: FloodFilter, turn: TurnInput, parserNote: string | undefined) => void;
}

/** One message to remember from. */
export interface TurnInput {
  subject: string;
  text: string;
  time?: string | null;
  sources?: string[];
  turnId?: string | null;
  /** Facts already extracted (e.g. LoCoMo observations); skips LLM extraction. */
  facts?: string[];
}

/** What the manager saw and chose for one fact. */
export interface ManagerDecision {
  fact: FactView;
  related: RelatedMemory[];
  prior: ManagerAction;
  priorSource: 'llm' | 'heuristic';
  /** Why the LLM's answer could not be used, when it could not. */
  priorReason?: string;
  /** The LLM's merged text for its UPDATE, used when the policy picks the same UPDATE. */
  mergedText?: string;
  /** Whether the prior came from the LLM's token log-probabilities (else a fixed confidence on its choice). */
  priorFromLogprobs?: boolean;
  state: CategoricalState;
  actionIndex: number;
  action: ManagerAction;
}

export interface AppliedDecision extends ManagerDecision {
  op: OperationRecord;
}

const DEFAULT_TOP_K = 10;

/**
 * The Memory Manager (Memory-R1 §3.1): for each fact of a turn, the top-K
 * related memories, a prior decision (LLM or heuristic), and the policy's
 * choice among ADD / NOOP / UPDATE(i) / DELETE(i), journaled and applied
 * through the memory store. Greedy by default; pass `random` to sample (RL).
 */
export class MemoryManager {
  private readonly topK: number;

  constructor(private readonly options: MemoryManagerOptions) {
    this.topK = options.topK ?? DEFAULT_TOP_K;
  }

  /** Facts given with the turn are taken as they are; extracted ones are held to `FACTS_PER_TURN`, without repeats. */
  async ingest(turn: TurnInput, random?: () => number): Promise<AppliedDecision[]> {
    const facts = turn.facts ?? (await this.extractFacts(turn));
    const applied: AppliedDecision[] = [];
    // One fact at a time: each operation changes what the next one is compared with.
    for (const text of facts) {
      const { decision, records } = await this.decide({ text, subject: turn.subject, time: turn.time ?? null }, random);
      applied.push({ ...decision, op: await this.apply(decision, records, turn) });
    }
    return applied;
  }

  /** Retrieves the related memories and chooses an operation for one fact, without applying it. */
  async decide(fact: { text: string; subject: string; time: string | null }, random?: () => number): Promise<{ decision: ManagerDecision; records: MemoryRecord[] }> {
    const [vector] = await this.options.embedder.embed([fact.text]);
    const inScope = { scope: this.options.scope ?? DEFAULT_SCOPE };
    const count = await this.options.store.count(inScope);
    const hits: ScoredMemory[] = count > 0 ? await this.options.store.search(vector!, { k: this.topK, ...inScope }) : [];
    const full = this.options.capacity !== undefined && count >= this.options.capacity;
    const view: FactView = { text: fact.text, vector: vector!, subject: fact.subject, time: fact.time };
    const related: RelatedMemory[] = hits.map(({ memory, score }) => ({ id: memory.id, text: memory.text, vector: memory.vector, subject: memory.subject, event_time: memory.event_time, score }));
    const records = hits.map((h) => h.memory);
    const restated = restatedMemory(fact.text, related);
    if (restated) return { decision: this.restatement(view, related, restated.id, full), records };
    const prior = this.options.llm ? await this.llmPrior(view, related) : { action: heuristicDecision(view, related, full), source: 'heuristic' as const };
    return { decision: this.choose(view, related, prior, random, full), records };
  }

  /**
   * A fact in the same words as a memory it was compared with adds nothing:
   * NOOP, decided here without asking the LLM or the policy (a policy still
   * learning could otherwise store the same sentence twice).
   */
  private restatement(fact: FactView, related: RelatedMemory[], memoryId: string, full: boolean): ManagerDecision {
    const noop: ManagerAction = { kind: 'NOOP' };
    const decision = this.choose(fact, related, { action: noop, source: 'heuristic', reason: `restates memory ${memoryId}` }, undefined, full);
    return { ...decision, action: noop, actionIndex: actionIndex(noop, related.length) };
  }

  /** The policy's choice given everything already retrieved (no I/O: the fast path measured by `bench perf`). */
  choose(
    fact: FactView,
    related: RelatedMemory[],
    prior: { action: ManagerAction; source: 'llm' | 'heuristic'; reason?: string; mergedText?: string; logprobs?: DecisionLogprobs },
    random?: () => number,
    full = false,
  ): ManagerDecision {
    const priorLogits = prior.logprobs ? logprobPrior(related.length, prior.action, prior.logprobs) : prior.action;
    const state = managerState(fact, related, priorLogits, PRIOR_CONFIDENCE, full);
    const index = random ? this.options.policy.sample(state, random, 1) : this.options.policy.greedy(state);
    return {
      fact,
      related,
      prior: prior.action,
      priorSource: prior.source,
      ...(prior.reason ? { priorReason: prior.reason } : {}),
      ...(prior.mergedText ? { mergedText: prior.mergedText } : {}),
      ...(prior.logprobs ? { priorFromLogprobs: true } : {}),
      state,
      actionIndex: index,
      action: managerActions(related.length)[index]!,
    };
  }

  private async extractFacts(turn: TurnInput): Promise<string[]> {
    if (!this.options.llm) return [turn.text];
    const prompt = factExtractionPrompt([{ speaker: turn.subject, text: turn.text, time: turn.time ?? null }]);
    const reply = await this.options.llm.generate(prompt, { maxTokens: 400, format: factsFormat() });
    const parsed = parseFacts(reply.text);
    const filtered = filterFlood(parsed.facts);
    if (filtered.repeats.length || filtered.overCap.length || parsed.reason) (this.options.onFloodFiltered ?? logFloodFiltered)(filtered, turn, parsed.reason);
    return filtered.facts;
  }

  private async llmPrior(fact: FactView, related: RelatedMemory[]) {
    const reply = await this.options.llm!.generate(updateDecisionPrompt({ text: fact.text, time: fact.time }, related.map((m) => ({ id: m.id, text: m.text, time: m.event_time }))), {
      maxTokens: 200,
      format: updateDecisionFormat(related.length),
      ...(this.options.llm!.info.logprobs ? { logprobs: true } : {}),
    });
    const decision = parseUpdateDecision(reply.text, related.map((m) => m.id));
    const indexOf = (id: string) => related.findIndex((m) => m.id === id);
    const action: ManagerAction =
      decision.event === 'UPDATE' ? { kind: 'UPDATE', index: indexOf(decision.targetId) } : decision.event === 'DELETE' ? { kind: 'DELETE', index: indexOf(decision.targetId) } : { kind: decision.event };
    // A NOOP the parser made out of an unusable answer is not the model's choice: no confidence to read.
    const logprobs = decision.event === 'NOOP' && decision.reason ? undefined : decisionLogprobs(reply.tokens, action.kind === 'UPDATE' || action.kind === 'DELETE');
    return {
      action,
      source: 'llm' as const,
      ...(logprobs ? { logprobs } : {}),
      ...(decision.event === 'NOOP' && decision.reason ? { reason: decision.reason } : {}),
      ...(decision.event === 'UPDATE' ? { mergedText: decision.text } : {}),
    };
  }

  /** Journals and applies the chosen operation through the store. */
  private async apply(decision: ManagerDecision, records: readonly MemoryRecord[], turn: TurnInput): Promise<OperationRecord> {
    const { store, policyVersion } = this.options;
    const sources = turn.sources ?? [];
    const scope = this.options.scope ?? DEFAULT_SCOPE;
    const context = { origin: this.options.origin ?? `manager@${policyVersion}`, turn_id: turn.turnId ?? null, fact: { text: decision.fact.text, sources }, scope };
    const action = decision.action;
    switch (action.kind) {
      case 'ADD':
        return store.add({ text: decision.fact.text, subject: decision.fact.subject, event_time: decision.fact.time, sources, scope }, context);
      case 'NOOP':
        return store.noop(records[0]?.id ?? null, context);
      case 'DELETE':
        return store.delete(records[action.index]!.id, context);
      case 'UPDATE': {
        const target = records[action.index]!;
        // The LLM's merge when it proposed this very update (the store embeds its text); otherwise `mergeMemory`'s text and vector.
        const llmMerge = decision.prior.kind === 'UPDATE' && actionIndex(decision.prior, records.length) === actionIndex(action, records.length) ? decision.mergedText : undefined;
        const merged = llmMerge ? { text: llmMerge } : mergeMemory(target, decision.fact);
        return store.edit(
          target.id,
          { ...merged, sources: [...new Set([...target.sources, ...sources])], event_time: decision.fact.time ?? target.event_time },
          context,
        );
      }
    }
  }
}

function logFloodFiltered(filtered: FloodFilter, turn: TurnInput, parserNote: string | undefined): void {
  const parts = [
    ...(parserNote ? [parserNote] : []),
    ...(filtered.repeats.length ? [`merged ${filtered.repeats.length} repeated fact(s)`] : []),
    ...(filtered.overCap.length ? [`dropped ${filtered.overCap.length} fact(s) past ${filtered.facts.length} per message: ${filtered.overCap.map((f) => JSON.stringify(f)).join(', ')}`] : []),
  ];
  console.info(`[memory] turn ${turn.turnId ?? '(no id)'} from ${turn.subject}: ${parts.join('; ')}`);
}
