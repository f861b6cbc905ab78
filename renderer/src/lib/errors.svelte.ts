/** Errors the UI shows in its banner: nothing fails silently, and nothing stays on screen once it is old news. */
import { ApiError } from './client';

export interface ShownError {
  id: number;
  message: string;
  /** The failure itself, without what the UI was doing: one cause (a missing token, a server gone) is shown once. */
  cause: string;
}

/** Long enough to read two sentences; a banner that stays forever covers the screen it is about. */
export const ERROR_SHOWN_MS = 12_000;

let nextId = 1;
export const shownErrors: ShownError[] = $state([]);

/**
 * Shows a failure in words: the engine's messages are written for people, so
 * the code (for programs) stays out of the banner.
 */
export function showError(error: unknown, doing?: string): void {
  const cause = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  if (shownErrors.some((shown) => shown.cause === cause)) return;
  const id = nextId++;
  shownErrors.push({ id, message: doing ? `${doing}: ${cause}` : cause, cause });
  setTimeout(() => dismissError(id), ERROR_SHOWN_MS);
}

export function dismissError(id: number): void {
  const at = shownErrors.findIndex((e) => e.id === id);
  if (at >= 0) shownErrors.splice(at, 1);
}

/** After a success that fixes what failed before (the first-run setup, a model that answers again). */
export function dismissAllErrors(): void {
  shownErrors.splice(0);
}

/** Runs `action`, showing any failure; resolves to undefined when it failed. */
export async function attempt<T>(doing: string, action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    showError(error, doing);
    return undefined;
  }
}
