import { BrowserWindow } from 'electron';
import { APP_ENTRY_URL } from './app-origin.js';

/**
 * The app's one window, on Electron's security checklist: the page runs
 * sandboxed, with no Node, in its own JavaScript world apart from the
 * preload's (which exposes only `window.memr1`), with web security on and no
 * <webview>. It shows once painted, so it never flashes blank.
 */
export function createMainWindow(preload: string): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 820,
    minWidth: 720,
    minHeight: 520,
    title: 'Memory-R1',
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.loadURL(APP_ENTRY_URL).catch((error: unknown) => console.error(`memr1: could not load the UI: ${String(error)}`));
  return window;
}

/** Brings the window to the front (a second launch of the app lands here). */
export function focusWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.focus();
}
