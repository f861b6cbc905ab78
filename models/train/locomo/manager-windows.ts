import { heuristicDecision } from '../../agents/heuristic-prior.js';
import type { EmbeddedConversation, EmbeddedQuestion } from '../../eval/bank/embedded-conversation.js';
import { RELATED_MEMORIES } from '../../eval/bank/replay-manager.js';
import type { SimBank, SimFact } from '../../eval/bank/sim-bank.js';

/** The session a dia_id ("D3:5") belongs to; `undefined` when it names none. */
export function sessionOf(diaId: string): number | undefined {
  const match = /^D(\d+):/.exec(diaId);
  return match ? Number(match[1]) : undefined;
}

/** A run of `windowSessions` consecutive sessions: its facts (by index) and the questions its end-of-window bank is scored on. */
export interface SessionWindow {
  /** 0-based: sessions `index·W + 1 … (index + 1)·W`. */
  index: number;
  /** The facts of the window's sessions: indices `start` (inclusive) to `end` (exclusive) of the conversation's facts. */
  start: number;
  end: number;
  lastSession: number;
  /** Questions with some evidence in the window's sessions. */
  own: EmbeddedQuestion[];
  /** Questions with some evidence in the window's sessions or before: what the bank at the window's end can hold. */
  seen: EmbeddedQuestion[];
}

/**
 * Cuts a conversation into windows of `windowSessions` sessions. An
 * observation's session is that of its first source (LoCoMo's observations
 * each come from one session, in order); one without a readable source stays
 * in its predecessor's session.
 */
export function sessionWindows(conversation: EmbeddedConversation, windowSessions: number): { windows: SessionWindow[]; windowOfFact: number[] } {
  if (!Number.isInteger(windowSessions) || windowSessions < 1) throw new Error(`a window holds at least one session, not ${windowSessions}`);
  const windowOf = (session: number) => Math.floor((session - 1) / windowSessions);
  let session = 1;
  const windowOfFact = conversation.facts.map((fact) => {
    session = Math.max(session, ...fact.sources.map(sessionOf).filter((s): s is number => s !== undefined));
    return windowOf(session);
  });
  const windows: SessionWindow[] = [];
  windowOfFact.forEach((index, i) => {
    const last = windows[windows.length - 1];
    if (last?.index === index) last.end = i + 1;
    else windows.push({ index, start: i, end: i + 1, lastSession: (index + 1) * windowSessions, own: [], seen: [] });
  });
  for (const window of windows) {
    for (const asked of conversation.questions) {
      const sessions = asked.question.evidence.map(sessionOf).filter((s): s is number => s !== undefined);
      if (sessions.some((s) => windowOf(s) === window.index)) window.own.push(asked);
      if (sessions.some((s) => s <= window.lastSession)) window.seen.push(asked);
    }
  }
  return { windows, windowOfFact };
}

/**
 * The heuristic manager's replay of `facts` from `bank` under `capacity`:
 * what `replayManager(facts, heuristicChooser, capacity, bank)` leaves, without
 * building the policy's state for each decision (the reward's continuation
 * runs thousands of times; a test checks both give the same bank).
 */
export function continueWithHeuristic(bank: SimBank, facts: readonly SimFact[], capacity: number | undefined): SimBank {
  for (const fact of facts) {
    const related = bank.related(fact.vector, RELATED_MEMORIES);
    const full = capacity !== undefined && bank.memories.length >= capacity;
    bank = bank.apply(fact, related, heuristicDecision(fact, related, full));
  }
  return bank;
}
