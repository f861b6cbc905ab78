import { randomUUID } from 'node:crypto';
import type { ConversationLog } from '../memory/conversation-log.js';
import { isMemoryError } from '../memory/errors.js';
import type { MessageLog } from '../memory/message-log.js';
import { withoutVector, type MemoryView } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import { ApiError } from '../contract/api-error.js';
import { filedScope } from './conversation-scope.js';
import type { ParsedInput, RouteOutput } from '../contract/routes.js';
import type { ChatMessageView, ChatSessionView } from '../contract/schemas.js';

/** A title is the first message cut at a word, short enough for the sidebar. */
const TITLE_CHARS = 48;

export interface ConversationParts {
  messages: MessageLog;
  conversations: ConversationLog;
  store: MemoryStore;
}

/** The sidebar's list: newest first, deleted chats left out; `query` finds chats by any message's text or by title. */
export async function listSessions({ messages, conversations }: ConversationParts, { query }: ParsedInput<'chat.sessions'>): Promise<{ items: ChatSessionView[] }> {
  const needle = query?.trim().toLowerCase() || undefined;
  const summaries = await messages.sessionSummaries();
  const matching = needle === undefined ? undefined : new Set((await messages.sessionSummaries(needle)).map((s) => s.session_id));
  const items = summaries
    .filter((s) => !conversations.session(s.session_id)?.deleted)
    .map((s) => ({
      session_id: s.session_id,
      title: conversations.session(s.session_id)?.title ?? titleFrom(s.first_user_text),
      updated_at: s.updated_at,
      messages: s.messages,
      scope: filedScope(conversations, s.session_id),
    }))
    .filter((s) => matching === undefined || matching.has(s.session_id) || s.title.toLowerCase().includes(needle!))
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  return { items };
}

/**
 * A session's messages, as the chat showed them: each reply with how it
 * ended, the memories it used (those that still exist) and the feedback given.
 * Without a session, the most recent one that was not deleted (or a new one).
 */
export async function sessionHistory(parts: ConversationParts, { session_id }: ParsedInput<'chat.history'>): Promise<RouteOutput<'chat.history'>> {
  const { messages, conversations, store } = parts;
  const sessionId = session_id ?? (await listSessions(parts, {})).items[0]?.session_id ?? randomUUID();
  const records = await messages.session(sessionId);
  const views: ChatMessageView[] = [];
  for (const { id, role, text, at, turn_id } of records) {
    const view: ChatMessageView = { id, role, text, at, turn_id };
    const turn = role === 'assistant' ? conversations.turn(turn_id) : undefined;
    if (turn) {
      view.outcome = turn.outcome;
      view.error = turn.error;
      view.memories = await existingMemories(store, turn.memory_ids);
    }
    const given = role === 'assistant' ? conversations.feedbackOn(id) : undefined;
    if (given) view.feedback = { kind: given.kind as 'answer_up', correction: given.correction };
    views.push(view);
  }
  const title = conversations.session(sessionId)?.title ?? titleFrom(records.find((m) => m.role === 'user')?.text ?? '');
  return { session_id: sessionId, title, scope: filedScope(conversations, sessionId), messages: views };
}

export async function renameSession(parts: ConversationParts, { session_id, title }: ParsedInput<'chat.rename'>): Promise<ChatSessionView> {
  await parts.conversations.rename(session_id, title.trim());
  return sessionView(parts, session_id);
}

/** Hides a chat (`deleted: true`) or brings it back (the undo). Its messages stay: memories cite them as sources. */
export async function setSessionDeleted(parts: ConversationParts, { session_id, deleted }: ParsedInput<'chat.delete'>): Promise<ChatSessionView> {
  const view = await sessionView(parts, session_id);
  await parts.conversations.setDeleted(session_id, deleted);
  return view;
}

async function sessionView(parts: ConversationParts, sessionId: string): Promise<ChatSessionView> {
  const summary = (await parts.messages.sessionSummaries()).find((s) => s.session_id === sessionId);
  if (!summary) throw new ApiError('NOT_FOUND', 'There is no chat with that id (it may never have had a message).');
  const title = parts.conversations.session(sessionId)?.title ?? titleFrom(summary.first_user_text);
  return { session_id: sessionId, title, updated_at: summary.updated_at, messages: summary.messages, scope: filedScope(parts.conversations, sessionId) };
}

async function existingMemories(store: MemoryStore, ids: readonly string[]): Promise<MemoryView[]> {
  const found: MemoryView[] = [];
  for (const id of ids) {
    try {
      found.push(withoutVector(await store.get(id)));
    } catch (error) {
      if (!isMemoryError(error, 'NOT_FOUND')) throw error; // deleted since: its chip goes
    }
  }
  return found;
}

export function titleFrom(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (!line) return 'New chat';
  if (line.length <= TITLE_CHARS) return line;
  const cut = line.slice(0, TITLE_CHARS);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 20 ? cut.lastIndexOf(' ') : TITLE_CHARS).trimEnd()}…`;
}
