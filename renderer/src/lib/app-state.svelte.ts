/** What the whole window shares: the open view, the settings, and which memory to show. */
import type { InputOf, Settings } from './api-types';
import { client } from './client';
import { dismissAllErrors } from './errors.svelte';

export type View = 'chat' | 'memory' | 'review' | 'learning' | 'settings';

export const app: {
  view: View;
  /** null until loaded. */
  settings: Settings | null;
  /** The memory the memory browser shows in detail (set when a chip is clicked). */
  openMemoryId: string | null;
} = $state({ view: 'chat', settings: null, openMemoryId: null });

export function openMemory(id: string): void {
  app.openMemoryId = id;
  app.view = 'memory';
}

export async function loadSettings(): Promise<void> {
  app.settings = await client.invoke('settings.get', {});
}

export async function updateSettings(patch: InputOf<'settings.update'>): Promise<void> {
  app.settings = await client.invoke('settings.update', patch);
}

export async function selectChatModel(spec: string): Promise<void> {
  app.settings = await client.invoke('models.select', { spec });
  // The model answers now: what failed while setting it up is old news.
  dismissAllErrors();
}
