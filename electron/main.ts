/**
 * The desktop app's entry (package.json "main" → dist/electron/main.js),
 * which Electron runs as an ES module; `npm start` builds and launches it.
 * Not awaited: Electron emits 'ready' only once this module has evaluated,
 * so what `startDesktopApp` does synchronously (registering the app:
 * scheme) comes before it, and an await here would hold 'ready' forever.
 */
import { startDesktopApp } from './desktop-app.js';

void startDesktopApp();
