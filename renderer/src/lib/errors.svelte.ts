/** Errors the UI shows in its banner: nothing fails silently. */
import { ApiError } from './client';

export interface ShownError {
  id: number;
  message: string;
  /** The failure itself, without what the UI was doing: one cause (a missing token, a server gone) is shown once. */
  cause: string;
}

let nextId = 1;
export const shownErrors: ShownError[] = $state([]);

export function showError(error: unknown, doing?: string): void {
  const cause = error instanceof ApiError ? `${error.message} [${error.code}]` : error instanceof Error ? error.message : String(error);
  if (shownErrors.some((shown) => shown.cause === cause)) return;
  shownErrors.push({ id: nextId++, message: doing ? `${doing}: ${cause}` : cause, cause });
}

export function dismissError(id: number): void {
  const at = shownErrors.findIndex((e) => e.id === id);
  if (at >= 0) shownErrors.splice(at, 1);
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
