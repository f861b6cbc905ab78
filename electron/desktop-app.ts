import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, type BrowserWindow, dialog, session } from 'electron';
import type { AssistantOptions } from '../models/api/assistant.js';
import { ProfileHost } from '../models/api/profile-host.js';
import type { Dispatch } from '../models/api/dispatch.js';
import { defaultStaticDir } from '../models/api/static-files.js';
import { withToolEndpointsRoute } from '../models/api/tool-endpoints-route.js';
import { registerAppScheme, serveRendererOnAppScheme } from './app-protocol.js';
import { holdQuitUntil } from './graceful-quit.js';
import { serveFolderDialog } from './folder-dialog.js';
import { serveIpc } from './ipc-transport.js';
import { createMainWindow, focusWindow } from './main-window.js';
import { guardNavigation } from './navigation-guard.js';
import { denyAllPermissions } from './permissions.js';
import { desktopProfileDir } from './profile-folder.js';
import { desktopSecretStore } from './safe-storage-secrets.js';
import { openDesktopToolEndpoints, type DesktopToolEndpoints } from './tool-endpoints.js';

export interface DesktopAppOptions {
  /** The Assistant's options besides its profile folder (tests give a scripted chat model and a shared embedder). */
  assistant?: Omit<AssistantOptions, 'profileDir'>;
  /** The built renderer (default `renderer/dist` in the package). */
  rendererDir?: string;
  /** Where other tools reach the memory (`/mcp`, `/v1`; default `DEFAULT_TOOL_PORT`, a free port when it is taken; 0: any free port). */
  toolPort?: number;
}

/** The preload, which tsc emits as CommonJS (`preload.cts` → `preload.cjs`) beside this file. */
const PRELOAD = join(dirname(fileURLToPath(import.meta.url)), 'preload.cjs');

/**
 * The desktop app's main process: one instance per user; the built UI on
 * `app://memr1/` in a sandboxed window; the profile's Assistant behind the
 * IPC transport; `/mcp` and `/v1` for other tools on 127.0.0.1 once the
 * profile is open; a quit that waits for the memory store to flush. Resolves
 * once the Assistant is open (or the app is on its way out); never rejects:
 * a failure to start is shown in a dialog, and the app exits.
 */
export async function startDesktopApp(options: DesktopAppOptions = {}): Promise<void> {
  registerAppScheme(); // must precede 'ready'
  // Another instance owns the profile: it comes to the front instead ('second-instance' there).
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  let window: BrowserWindow | undefined;
  app.on('second-instance', () => {
    if (window) focusWindow(window);
  });
  app.on('web-contents-created', (_event, contents) => guardNavigation(contents));
  await app.whenReady();

  const profileDir = desktopProfileDir(app.getPath('userData'));
  try {
    const secrets = desktopSecretStore(profileDir);
    if (secrets.warning) console.error(`memr1: ${secrets.warning}`);
    // The window loads while the engine opens; calls made meanwhile wait for it.
    const opening = ProfileHost.open({ ...(secrets.store ? { secrets: secrets.store } : {}), ...options.assistant, profileDir });
    // Other tools are served once the profile is open; the app works without them (another program may refuse us the port and its fallback).
    let tools: DesktopToolEndpoints | undefined;
    const toolsOpening = opening.then(async (host) => {
      try {
        return (tools = await openDesktopToolEndpoints(host, options.toolPort));
      } catch (error) {
        console.error(`memr1: other tools cannot reach the memory this run: ${error instanceof Error ? error.message : String(error)}`);
        return undefined;
      }
    }, () => undefined);
    const ipc = serveIpc(withToolEndpointsRoute(dispatchOnceOpen(opening), () => tools?.server));
    serveFolderDialog();
    holdQuitUntil(async () => {
      ipc.abortAll();
      // The tools' server closes (and its announcement goes) before the profile is released.
      await (await toolsOpening)?.close();
      await (await opening.catch(() => undefined))?.close();
    });
    denyAllPermissions(session.defaultSession);
    serveRendererOnAppScheme(options.rendererDir ?? defaultStaticDir());
    window = createMainWindow(PRELOAD);
    const assistant = await opening;
    for (const warning of assistant.warnings) console.error(`memr1: ${warning}`);
    await toolsOpening;
  } catch (error) {
    dialog.showErrorBox('Memory-R1 could not start', `${error instanceof Error ? error.message : String(error)}\n\nProfile folder: ${profileDir}`);
    app.exit(1);
  }
}

/** The profile's dispatcher (a damaged memory database included: the Settings screen restores it), for calls that may arrive before it is open; like any dispatcher it never throws. */
function dispatchOnceOpen(opening: Promise<ProfileHost>): Dispatch {
  return async (route, input, emit, signal) => {
    const assistant = await opening.catch(() => undefined);
    if (!assistant) return { ok: false, error: { code: 'INTERNAL', message: 'the assistant could not open its profile' } };
    return assistant.dispatch(route, input, emit, signal);
  };
}
