/**
 * `window.memr1`: what the desktop app's preload exposes to the page, and
 * what the renderer's HTTP client offers in web mode, so the UI runs
 * unchanged on either transport (DESIGN §8). Type-only: the renderer and the
 * sandboxed preload import it without any code.
 */
export interface Transport {
  /** Resolves with a unary route's output; rejects with the refusal's `{code, message}`. */
  invoke(route: string, input: unknown): Promise<unknown>;
  /**
   * Calls `onEvent` with each event of a stream route; a refusal or a failure
   * is a last `{type: 'error', code, message}` event. The returned function
   * cancels (no event follows it).
   */
  stream(route: string, input: unknown, onEvent: (event: unknown) => void): () => void;
  /**
   * Desktop app only: the system's folder dialog; resolves with the chosen
   * folder's path, or null when the user cancels. Web mode has none (a page
   * cannot learn local paths), so the UI offers a text field there.
   */
  chooseFolder?(title: string): Promise<string | null>;
}
