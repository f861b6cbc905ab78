/**
 * The conversation on screen. It lives outside the chat view so that a reply
 * keeps streaming, and stays, while the user looks at another view.
 */
import type { AnswerFeedbackView, ChatEvent, MemoryView, OperationView } from './api-types';
import { client } from './client';
import { byMemoryManager } from './operations';

export interface UserEntry {
  role: 'user';
  key: string;
  text: string;
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
  /** This window's feedback on the reply (the history does not say what was given before). */
  feedback: GivenFeedback | null;
  /** The memories the answer was given (live turns only: history does not keep them). */
  memories: MemoryView[];
  /** What the memory manager did after the turn; null while it is still working. */
  operations: OperationView[] | null;
  state: 'thinking' | 'streaming' | 'done' | 'failed';
  error: { code: string; message: string } | null;
}

export type ChatEntry = UserEntry | AssistantEntry;

/** How many recent operations are fetched to show the cards of past turns. */
const HISTORY_OPERATIONS = 500;

class ChatSession {
  entries: ChatEntry[] = $state([]);
  sessionId: string | undefined = undefined;
  /** True from sending until the reply is complete (the memory manager may still be working). */
  replying = $derived(this.entries.some((e) => e.role === 'assistant' && (e.state === 'thinking' || e.state === 'streaming')));
  #loaded = false;

  /**
   * Loads the stored conversation the first time; after that refreshes the
   * operation cards, which may have been reviewed in another view since.
   */
  async sync(): Promise<void> {
    const firstTime = !this.#loaded;
    this.#loaded = true;
    const [history, operations] = await Promise.all([
      firstTime ? client.invoke('chat.history', {}) : null,
      client.invoke('ops.list', { limit: HISTORY_OPERATIONS }),
    ]).catch((error: unknown) => {
      if (firstTime) this.#loaded = false; // the next visit tries again
      throw error;
    });
    const byTurn = managerOperationsByTurn(operations.items);
    if (!history) {
      for (const entry of this.entries) {
        if (entry.role === 'assistant' && entry.turnId && entry.operations) entry.operations = byTurn.get(entry.turnId) ?? entry.operations;
      }
      return;
    }
    this.sessionId = history.session_id;
    const past: ChatEntry[] = history.messages.map((message) =>
      message.role === 'user'
        ? { role: 'user', key: message.id, text: message.text }
        : {
            role: 'assistant',
            key: message.id,
            text: message.text,
            turnId: message.turn_id ?? null,
            messageId: message.id,
            feedback: null,
            memories: [],
            operations: (message.turn_id && byTurn.get(message.turn_id)) || [],
            state: 'done',
            error: null,
          },
    );
    this.entries.unshift(...past);
  }

  send(text: string): void {
    const key = crypto.randomUUID();
    this.entries.push({ role: 'user', key: `${key}-user`, text });
    this.entries.push({ role: 'assistant', key, text: '', turnId: null, messageId: null, feedback: null, memories: [], operations: null, state: 'thinking', error: null });
    // The pushed object is wrapped in a reactive proxy: changes must go through the array's copy.
    const reply = this.entries.at(-1) as AssistantEntry;
    client.stream('chat.send', { text, ...(this.sessionId ? { session_id: this.sessionId } : {}) }, (event) => applyEvent(reply, event));
  }
}

/**
 * The operations each turn caused, oldest first. The user's own operations
 * that share a turn (a rejection's revert, an edit) belong to the review, not
 * to the turn: the card of the operation reviewed shows its outcome.
 */
function managerOperationsByTurn(operations: OperationView[]): Map<string | null, OperationView[]> {
  const byTurn = Map.groupBy(
    operations.filter(byMemoryManager),
    (op) => op.turn_id,
  );
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
      reply.state = 'streaming';
      reply.text += event.text;
      break;
    case 'done':
      reply.state = 'done';
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
