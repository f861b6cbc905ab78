import { app } from 'electron';

/**
 * Holds the app's quit until `cleanUp` (stop streams, flush and close the
 * memory store, release the profile) has finished, then exits. Every quit
 * request meanwhile is held too and waits for the same clean-up; `app.exit`
 * does not ask again, so nothing runs twice.
 */
export function holdQuitUntil(cleanUp: () => Promise<void>): void {
  let cleaning: Promise<void> | undefined;
  app.on('before-quit', (event) => {
    event.preventDefault();
    cleaning ??= cleanUp().then(
      () => app.exit(0),
      (error: unknown) => {
        console.error(`memr1: shutting down: ${error instanceof Error ? error.message : String(error)}`);
        app.exit(1);
      },
    );
  });
}
