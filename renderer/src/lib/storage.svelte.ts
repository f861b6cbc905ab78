/**
 * The memory database's health, as the whole window needs it: a damaged
 * database opens the Settings screen (where it is restored) instead of
 * screens whose every call would fail, and a restore makes them load again.
 */
import type { OutputOf, RestoreReportView } from './api-types';
import { client } from './client';

export const storage: {
  /** undefined until read; null when it could not be read (the app then goes on as if it were healthy, and the error shows). */
  health: OutputOf<'store.health'> | null | undefined;
  /** Bumped by a restore: the memory list reloads. */
  restores: number;
  /** What the last restore in this window did (it outlives the repair screen, which the restore ends). */
  report: RestoreReportView | undefined;
  /** A restore ended the repair screen: Settings shows its report once. */
  repaired: boolean;
} = $state({ health: undefined, restores: 0, report: undefined, repaired: false });

export function storeDamaged(): boolean {
  return storage.health?.status === 'damaged';
}

export async function loadStoreHealth(): Promise<void> {
  try {
    storage.health = await client.invoke('store.health', {});
  } catch (error) {
    storage.health ??= null;
    throw error;
  }
}
