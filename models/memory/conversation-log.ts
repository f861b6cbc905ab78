import { existsSync, readFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { z } from 'zod';
import { SerialQueue } from '../util/serial-queue.js';

/** How a reply ended: `failed` (the model or the server failed mid-way) and `stopped` (the user pressed Stop) keep what had arrived. */
export const REPLY_OUTCOMES = ['done', 'failed', 'stopped'] as const;
export type ReplyOutcome = (typeof REPLY_OUTCOMES)[number];

const Entry = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('turn'),
    at: z.string(),
    session_id: z.string(),
    turn_id: z.string(),
    /** The memories the reply was given (the chips under it). */
    memory_ids: z.array(z.string()),
    outcome: z.enum(REPLY_OUTCOMES),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  }),
  z.object({ type: z.literal('title'), at: z.string(), session_id: z.string(), title: z.string() }),
  z.object({ type: z.literal('deleted'), at: z.string(), session_id: z.string(), deleted: z.boolean() }),
  /** The scope a conversation reads and writes, written once, before its first message. */
  z.object({ type: z.literal('scope'), at: z.string(), session_id: z.string(), scope: z.string() }),
  z.object({ type: z.literal('feedback'), at: z.string(), message_id: z.string(), kind: z.string(), correction: z.string().nullable() }),
]);
type Entry = z.infer<typeof Entry>;
export type TurnNote = Extract<Entry, { type: 'turn' }>;
export type FeedbackNote = Extract<Entry, { type: 'feedback' }>;

export interface SessionNote {
  session_id: string;
  /** The user's name for the chat; null: titled from its first message. */
  title: string | null;
  deleted: boolean;
  /** Null for a conversation from before scopes (its memories are `personal`). */
  scope: string | null;
}

/**
 * What the `messages` table does not say about a conversation: its title,
 * whether the user deleted it, and per turn the memories the reply used, how
 * the reply ended (with its error) and the feedback given on it; so a reload
 * shows each chat exactly as it was. An append-only JSON-lines file in the
 * profile folder, read once at open and kept in memory: a line torn by a
 * crash is skipped, every earlier one stands.
 */
export class ConversationLog {
  private readonly sessions = new Map<string, SessionNote>();
  private readonly turns = new Map<string, TurnNote>();
  private readonly feedback = new Map<string, FeedbackNote>();
  private readonly writes = new SerialQueue();
  /** The file ends in a line torn by a crash: the next entry starts on a line of its own. */
  private torn = false;

  private constructor(private readonly path: string) {}

  static open(path: string): ConversationLog {
    const log = new ConversationLog(path);
    if (!existsSync(path)) return log;
    const text = readFileSync(path, 'utf8');
    log.torn = text.length > 0 && !text.endsWith('\n');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        log.apply(Entry.parse(JSON.parse(line)));
      } catch {
        // A torn or foreign line: the ones before and after it still count.
      }
    }
    return log;
  }

  noteTurn(turn: Omit<TurnNote, 'type' | 'at'>): Promise<void> {
    return this.write({ type: 'turn', at: new Date().toISOString(), ...turn });
  }

  rename(sessionId: string, title: string): Promise<void> {
    return this.write({ type: 'title', at: new Date().toISOString(), session_id: sessionId, title });
  }

  /** Hides a chat from the list (`deleted`), or brings it back (the undo). */
  setDeleted(sessionId: string, deleted: boolean): Promise<void> {
    return this.write({ type: 'deleted', at: new Date().toISOString(), session_id: sessionId, deleted });
  }

  /** Files a new conversation under a scope; called once, before its first message is stored. */
  setScope(sessionId: string, scope: string): Promise<void> {
    return this.write({ type: 'scope', at: new Date().toISOString(), session_id: sessionId, scope });
  }

  noteFeedback(messageId: string, kind: string, correction: string | null): Promise<void> {
    return this.write({ type: 'feedback', at: new Date().toISOString(), message_id: messageId, kind, correction });
  }

  session(sessionId: string): SessionNote | undefined {
    return this.sessions.get(sessionId);
  }

  /** Every scope a conversation was filed under (deleted ones included: their memories may remain). */
  scopes(): Set<string> {
    return new Set([...this.sessions.values()].flatMap((s) => (s.scope === null ? [] : [s.scope])));
  }

  turn(turnId: string): TurnNote | undefined {
    return this.turns.get(turnId);
  }

  feedbackOn(messageId: string): FeedbackNote | undefined {
    return this.feedback.get(messageId);
  }

  private async write(entry: Entry): Promise<void> {
    await this.writes.run(async () => {
      await appendFile(this.path, `${this.torn ? '\n' : ''}${JSON.stringify(entry)}\n`, { mode: 0o600 });
      this.torn = false;
    });
    this.apply(entry);
  }

  private apply(entry: Entry): void {
    if (entry.type === 'feedback') {
      this.feedback.set(entry.message_id, entry);
      return;
    }
    const session = this.sessions.get(entry.session_id) ?? { session_id: entry.session_id, title: null, deleted: false, scope: null };
    if (entry.type === 'turn') this.turns.set(entry.turn_id, entry);
    else if (entry.type === 'title') session.title = entry.title;
    else if (entry.type === 'scope') session.scope = entry.scope;
    else session.deleted = entry.deleted;
    this.sessions.set(entry.session_id, session);
  }
}
