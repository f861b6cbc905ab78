import type { WebContents } from 'electron';
import { isAppUrl } from './app-origin.js';

/**
 * Keeps a page on the app's origin: it may not navigate anywhere else (a
 * link, a redirect by script) and may not open windows. The UI has no
 * external links, so nothing is handed to the system browser either: a page
 * that tries either is not the app's.
 */
export function guardNavigation(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}
