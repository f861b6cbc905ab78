/**
 * The LLM prior from token log-probabilities (DESIGN §4.2): where the backend
 * reports them, the manager's prior over its 2 + 2K actions is the LLM's own
 * confidence in its choice (the tokens of the event word and of the memory
 * id), not a fixed +3 on the choice.
 */
import type { TokenChunk } from '../llm/chat-model.js';
import { managerActions, type ManagerAction } from './manager-state.js';

/** A probability is kept off 0 and 1, so the prior never makes an action certain or impossible. */
const MIN_PROBABILITY = 1e-4;

/** The value spans that carry the decision: the event word and, for UPDATE / DELETE, the id. */
const EVENT_VALUE = /"(?:event|action|operation)"\s*:\s*"([^"]*)"/;
const ID_VALUE = /"(?:id|memory_id)"\s*:\s*"?([^",}\s]*)/;
const BARE_EVENT = /\b(ADD|UPDATE|DELETE|NONE|NOOP)\b/i;

function span(text: string, pattern: RegExp): [number, number] | undefined {
  const match = pattern.exec(text);
  if (!match?.[1]) return undefined;
  const start = match.index + match[0].lastIndexOf(match[1]);
  return [start, start + match[1].length];
}

/** The model's log-probabilities of its event word and of the memory id it named. */
export interface DecisionLogprobs {
  event: number;
  /** For UPDATE and DELETE. */
  id?: number;
}

/** The sum of the log-probabilities of the chunks overlapping `[from, to)`; undefined when one lacks it. */
function spanLogprob(tokens: readonly TokenChunk[], [from, to]: [number, number]): number | undefined {
  let offset = 0;
  let sum = 0;
  for (const token of tokens) {
    const [start, end] = [offset, offset + token.text.length];
    offset = end;
    if (start >= to || end <= from) continue;
    if (token.logprob === undefined) return undefined;
    sum += token.logprob;
  }
  return sum;
}

/**
 * The log-probabilities the model gave the event word and, `withId`, the id
 * it wrote: each the sum over the chunks overlapping the value (a chunk
 * counts whole; under a grammar the punctuation around a value is forced and
 * adds nothing). Undefined when a log-probability is missing or no event
 * word is found.
 */
export function decisionLogprobs(tokens: readonly TokenChunk[], withId: boolean): DecisionLogprobs | undefined {
  const text = tokens.map((t) => t.text).join('');
  const eventSpan = span(text, EVENT_VALUE) ?? span(text, BARE_EVENT);
  const event = eventSpan && spanLogprob(tokens, eventSpan);
  if (event === undefined) return undefined;
  if (!withId) return { event };
  const idSpan = span(text, ID_VALUE);
  const id = idSpan && spanLogprob(tokens, idSpan);
  return id === undefined ? undefined : { event, id };
}

function probability(logprob: number): number {
  return Math.min(1 - MIN_PROBABILITY, Math.max(MIN_PROBABILITY, Math.exp(logprob)));
}

/**
 * Prior logits over the manager's actions (ADD, NOOP, UPDATE(0..K-1),
 * DELETE(0..K-1)) the way the model decides: an event first, then an id.
 * The chosen event gets its probability and the other events share the rest;
 * within UPDATE or DELETE the chosen id gets its probability and the other
 * ids share the rest (ids are even under the event not chosen). Greedy
 * decoding picks each step's most likely token, which is at least the mean of
 * the others, so the chosen action stays the prior's top one.
 */
export function logprobPrior(relatedCount: number, chosen: ManagerAction, logprobs: DecisionLogprobs): Float32Array {
  const kinds: Array<ManagerAction['kind']> = relatedCount > 0 ? ['ADD', 'NOOP', 'UPDATE', 'DELETE'] : ['ADD', 'NOOP'];
  const pEvent = probability(logprobs.event);
  const eventProbability = (kind: ManagerAction['kind']) => (kind === chosen.kind ? pEvent : (1 - pEvent) / (kinds.length - 1));
  const idProbability = (kind: ManagerAction['kind'], index: number) => {
    if (kind !== chosen.kind || chosen.kind === 'ADD' || chosen.kind === 'NOOP' || logprobs.id === undefined || relatedCount === 1) return 1 / relatedCount;
    const pId = probability(logprobs.id);
    return index === chosen.index ? pId : (1 - pId) / (relatedCount - 1);
  };
  return Float32Array.from(managerActions(relatedCount), (action) =>
    Math.log(action.kind === 'ADD' || action.kind === 'NOOP' ? eventProbability(action.kind) : eventProbability(action.kind) * idProbability(action.kind, action.index)),
  );
}
