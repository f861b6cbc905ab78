/** The sidebar's list of conversations: search, rename, delete with undo. */
import type { OutputOf } from './api-types';
import { client } from './client';

export type Conversation = OutputOf<'chat.sessions'>['items'][number];

class Conversations {
  items: Conversation[] = $state([]);
  query = $state('');
  /** The chat just deleted, while its Undo is offered. */
  deleted: Conversation | null = $state(null);
  #undoTimer: ReturnType<typeof setTimeout> | undefined;

  async refresh(): Promise<void> {
    const query = this.query.trim();
    this.items = (await client.invoke('chat.sessions', query ? { query } : {})).items;
  }

  async rename(sessionId: string, title: string): Promise<void> {
    const renamed = await client.invoke('chat.rename', { session_id: sessionId, title });
    this.items = this.items.map((c) => (c.session_id === sessionId ? renamed : c));
  }

  /** Hides the chat; Undo is offered for a while (the engine keeps the messages: memories cite them). */
  async remove(sessionId: string): Promise<void> {
    this.deleted = await client.invoke('chat.delete', { session_id: sessionId });
    this.items = this.items.filter((c) => c.session_id !== sessionId);
    clearTimeout(this.#undoTimer);
    this.#undoTimer = setTimeout(() => (this.deleted = null), 15_000);
  }

  async undoRemove(): Promise<void> {
    if (!this.deleted) return;
    await client.invoke('chat.delete', { session_id: this.deleted.session_id, deleted: false });
    this.deleted = null;
    await this.refresh();
  }
}

export const conversations = new Conversations();
