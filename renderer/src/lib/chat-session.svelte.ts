/**
 * The conversation on screen. It lives outside the chat view so that a reply
 * keeps streaming, and stays, while the user looks at another view.
 */
import type { AnswerFeedbackView, ChatEvent, ChatMessageView, MemoryView, OperationView } from './api-types';
import { client } from './client';
import { modelStatus } from './model-status.svelte';
import { awaitsReview } from './operations';
import { refreshReviewQueue } from './review-queue.svelte';
import { DEFAULT_SCOPE } from './scopes.svelte';

export interface UserEntry {
  role: 'user';
  key: string;
  text: string;
  /** The stored message's id (the target a memory's sources point at); null for a message just sent. */
  messageId: string | null;
}

/** What the user said about a reply, as recorded; `correction` is their corrected answer. */
export interface GivenFeedback {
  kind: AnswerFeedbackView['kind'];
  correction: string | null;
}

export interface AssistantEntry {
  role: 'assistant';
  key: string;
  text: string;
  turnId: string | null;
  /** The stored reply's id, which feedback refers to; null until the reply is complete. */
  messageId: string | null;
  feedback: GivenFeedback | null;
  /** The memories the answer was given. */
  memories: MemoryView[];
  /** What the memory manager did after the turn; null while it is still working. */
  operations: OperationView[] | null;
  /** `stopped`: the user pressed Stop; the text is what had arrived. */
  state: 'thinking' | 'streaming' | 'done' | 'stopped' | 'failed';
  error: { code: string; message: string } | null;
}

export type ChatEntry = UserEntry | AssistantEntry;

/** How many recent operations are fetched to show the cards of past turns. */
const HISTORY_OPERATIONS = 500;

class ChatSession {
  entries: ChatEntry[] = $state([]);
  /** The open conversation; a new chat gets its id on its first message. */
  sessionId: string | null = $state(null);
  /** "Don't remember this": the open chat reads and writes no memory and is not stored. */
  temporary = $state(false);
  /** The scope the chat reads and writes: chosen before a new chat's first message, fixed from then on. */
  scope = $state(DEFAULT_SCOPE);
  /** The message to scroll to once shown (a memory's source). */
  focusMessageId: string | null = $state(null);
  /** True from sending until the reply is complete (the memory manager may still be working). */
  replying = $derived(this.entries.some((e) => e.role === 'assistant' && (e.state === 'thinking' || e.state === 'streaming')));
  /** Bumped when the list of conversations may have changed (a new chat's first turn). */
  listVersion = $state(0);
  #loaded = false;
  #cancel: (() => void) | null = null;

  /**
   * Loads the newest conversation the first time; after that refreshes the
   * operation cards, which may have been reviewed in another view since.
   */
  async sync(): Promise<void> {
    if (!this.#loaded) {
      this.#loaded = true;
      await this.open(undefined).catch((error: unknown) => {
        this.#loaded = false; // the next visit tries again
        throw error;
      });
      return;
    }
    const byTurn = managerOperationsByTurn((await client.invoke('ops.list', { limit: HISTORY_OPERATIONS })).items);
    for (const entry of this.entries) {
      if (entry.role === 'assistant' && entry.turnId && entry.operations) entry.operations = byTurn.get(entry.turnId) ?? entry.operations;
    }
  }

  /** Shows a stored conversation (undefined: the newest), exactly as it was. */
  async open(sessionId: string | undefined, focusMessageId: string | null = null): Promise<void> {
    this.#loaded = true;
    this.#leave();
    const [history, operations] = await Promise.all([
      client.invoke('chat.history', sessionId ? { session_id: sessionId } : {}),
      client.invoke('ops.list', { limit: HISTORY_OPERATIONS }),
    ]);
    const byTurn = managerOperationsByTurn(operations.items);
    this.sessionId = history.messages.length ? history.session_id : null;
    this.temporary = false;
    this.scope = history.scope;
    this.entries = history.messages.map((message) => entryFrom(message, byTurn));
    this.focusMessageId = focusMessageId;
  }

  /** An empty chat, in `personal` until the user picks another scope; `temporary`: one that reads and writes no memory. */
  newChat(temporary = false): void {
    this.#leave();
    this.#loaded = true;
    this.entries = [];
    this.sessionId = null;
    this.temporary = temporary;
    this.scope = DEFAULT_SCOPE;
  }

  send(text: string): void {
    const first = this.sessionId === null;
    this.sessionId ??= crypto.randomUUID();
    const key = crypto.randomUUID();
    this.entries.push({ role: 'user', key: `${key}-user`, text, messageId: null });
    this.entries.push({ role: 'assistant', key, text: '', turnId: null, messageId: null, feedback: null, memories: [], operations: null, state: 'thinking', error: null });
    // The pushed object is wrapped in a reactive proxy: changes must go through the array's copy.
    const reply = this.entries.at(-1) as AssistantEntry;
    // The scope goes with every turn, not just the first: a first turn that failed before the engine kept the
    // conversation would otherwise leave the next one in `personal`. The engine refuses a scope that differs.
    const input = { text, session_id: this.sessionId, ...(this.temporary ? { temporary: true } : { scope: this.scope }) };
    this.#cancel = client.stream('chat.send', input, (event) => {
      applyEvent(reply, event);
      if (event.type === 'done' || event.type === 'error') modelStatus.refresh();
      if (event.type === 'done' && first && !this.temporary) this.listVersion++;
      if (event.type === 'operations') void refreshReviewQueue().catch(() => undefined);
    });
  }

  /**
   * Stop: the engine ends the reply with what had arrived (stored as a
   * stopped reply) and the turn goes on, so the memory manager still reads
   * the user's message and its cards arrive. Before the engine has named the
   * turn there is nothing to stop but the stream itself.
   */
  stop(): void {
    for (const entry of this.entries) {
      if (entry.role !== 'assistant' || (entry.state !== 'thinking' && entry.state !== 'streaming')) continue;
      entry.state = 'stopped';
      if (entry.turnId) {
        void client.invoke('chat.stop', { turn_id: entry.turnId }).catch(() => undefined); // a turn already over has nothing to stop
      } else {
        this.#cancel?.();
        entry.operations ??= [];
      }
    }
  }

  /** Leaves the open chat: its stream (if any) goes on in the engine but is no longer shown. */
  #leave(): void {
    this.#cancel?.();
    this.#cancel = null;
  }

  /** The last message the user sent, which Retry, Regenerate and Edit work on. */
  get lastUserText(): string | null {
    const last = this.entries.findLast((e) => e.role === 'user');
    return last ? last.text : null;
  }

  /** Retry after an error, or Regenerate a reply: the last message is sent again as a new turn. */
  resendLast(text = this.lastUserText): void {
    if (text && !this.replying) this.send(text);
  }
}

function entryFrom(message: ChatMessageView, byTurn: Map<string | null, OperationView[]>): ChatEntry {
  if (message.role === 'user') return { role: 'user', key: message.id, text: message.text, messageId: message.id };
  const state = message.outcome === 'failed' ? 'failed' : message.outcome === 'stopped' ? 'stopped' : 'done';
  return {
    role: 'assistant',
    key: message.id,
    text: message.text,
    turnId: message.turn_id ?? null,
    messageId: message.id,
    feedback: message.feedback ?? null,
    memories: message.memories ?? [],
    operations: (message.turn_id && byTurn.get(message.turn_id)) || [],
    state,
    error: message.error ?? null,
  };
}

/**
 * The operations each turn caused, oldest first. The user's own operations
 * that share a turn (a rejection's revert, an edit) belong to the review, not
 * to the turn: the card of the operation reviewed shows its outcome.
 */
function managerOperationsByTurn(operations: OperationView[]): Map<string | null, OperationView[]> {
  const byTurn = Map.groupBy(operations.filter(awaitsReview), (op) => op.turn_id);
  for (const ops of byTurn.values()) ops.sort((a, b) => a.seq - b.seq);
  return byTurn;
}

function applyEvent(reply: AssistantEntry, event: ChatEvent): void {
  switch (event.type) {
    case 'memories':
      reply.turnId = event.turn_id;
      reply.memories = event.memories;
      break;
    case 'token':
      if (reply.state === 'stopped') break;
      reply.state = 'streaming';
      reply.text += event.text;
      break;
    case 'done':
      reply.state = event.outcome === 'stopped' ? 'stopped' : 'done';
      reply.text = event.reply;
      reply.turnId = event.turn_id;
      reply.messageId = event.message_id;
      break;
    case 'operations':
      reply.operations = event.operations;
      break;
    case 'error':
      // After `done` the reply stands; the error is then about updating memory.
      if (reply.state !== 'done') reply.state = 'failed';
      reply.error = { code: event.code, message: event.message };
      reply.operations ??= [];
      break;
  }
}

export const chat = new ChatSession();
