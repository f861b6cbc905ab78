import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import type { ApiResult } from '../../models/api/dispatch.js';
import { defaultStaticDir } from '../../models/api/static-files.js';
import { startDesktopApp } from '../../electron/desktop-app.js';
import { IPC_CHANNELS } from '../../electron/ipc-channels.js';
import { SafeStorageSecretStore, SEALED_KEY_FILE } from '../../electron/safe-storage-secrets.js';
import { scriptedAssistantModel } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { FakeEvent, ipcEvent, resetElectron } from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js').then((fake) => fake.electronModule));

const tempDir = useTempDirs();
let electron: ReturnType<typeof resetElectron>;

beforeEach(() => {
  electron = resetElectron();
  electron.app.userData = tempDir('memr1-desktop-');
  vi.stubEnv('MEMR1_PROFILE', '');
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const profileDir = () => join(electron.app.userData, 'profiles', 'default');
// Any free port for the tools' endpoints: the usual one may be a real app's on this machine (desktop-tools.test.ts covers it).
const start = async () => startDesktopApp({ assistant: { embedder: await realEmbedder(), chatModel: scriptedAssistantModel() }, rendererDir: defaultStaticDir(), toolPort: 0 });
const invoke = (route: string, input: unknown) => electron.ipcMain.invoke(IPC_CHANNELS.invoke, ipcEvent(electron.windows[0]!.webContents), route, input) as Promise<ApiResult>;

/** Quits as the user would, and waits for the app to exit. */
async function quit(): Promise<number> {
  electron.app.quit();
  return electron.app.exited;
}

describe('the desktop app', () => {
  it('opens a sandboxed window on app://memr1 with guards and no permissions, and the page reaches the Assistant on the profile in userData', async () => {
    const starting = start();
    // The window shows while the engine opens; a call made meanwhile waits for it.
    await vi.waitFor(() => expect(electron.windows).toHaveLength(1));
    const early = invoke('settings.get', {});
    await starting;
    expect(await early).toMatchObject({ ok: true, output: { profile_dir: profileDir() } });

    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1); // before ready: the fake refuses it after
    const window = electron.windows[0]!;
    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(window.options.webPreferences!.preload).toBe(fileURLToPath(new URL('../../electron/preload.cjs', import.meta.url)));
    expect(window.loadURL).toHaveBeenCalledWith('app://memr1/index.html');

    // The page's webContents got the navigation guard when it was created.
    const away = new FakeEvent({ url: 'https://evil.example/' });
    window.webContents.emit('will-navigate', away);
    expect(away.defaultPrevented).toBe(true);
    expect(window.webContents.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    const callback = vi.fn();
    electron.defaultSession.setPermissionRequestHandler.mock.calls[0]![0](window.webContents, 'media', callback, {});
    expect(callback).toHaveBeenCalledWith(false);
    const index = await electron.protocol.handlers.get('app')!(new Request('app://memr1/index.html'));
    expect(index.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);

    const added = (await invoke('memory.add', { text: 'The user works night shifts.' })) as { ok: true; output: { memory_id: string } };
    expect(await invoke('memory.get', { id: added.output.memory_id })).toMatchObject({ ok: true, output: { text: 'The user works night shifts.' } });
    expect(await invoke('memory.list', {})).toMatchObject({ ok: true, output: { total: 1 } });
    expect(await quit()).toBe(0);
  });

  it("keeps the chat server's API key sealed by the OS keychain (safeStorage), never in plain text, and reads it back after a restart", async () => {
    await start();
    expect(await invoke('settings.update', { api_key: 'sk-secret-4711' })).toMatchObject({ ok: true, output: { api_key_set: true } });
    const sealed = join(profileDir(), SEALED_KEY_FILE);
    expect(readFileSync(sealed, 'utf8')).not.toContain('sk-secret-4711');
    expect(statSync(sealed).mode & 0o777).toBe(0o600);
    expect(existsSync(join(profileDir(), 'api-key'))).toBe(false);
    expect(electron.safeStorage.encryptString).toHaveBeenCalledWith('sk-secret-4711');
    expect(await quit()).toBe(0);

    const userData = electron.app.userData;
    electron = resetElectron();
    electron.app.userData = userData;
    await start();
    expect(await invoke('settings.get', {})).toMatchObject({ ok: true, output: { api_key_set: true } });
    expect(await new SafeStorageSecretStore(sealed).get()).toBe('sk-secret-4711');
    expect(await invoke('settings.update', { api_key: null })).toMatchObject({ ok: true, output: { api_key_set: false } });
    expect(existsSync(sealed)).toBe(false);
    expect(await quit()).toBe(0);
  });

  it("opens the system's folder dialog for the page over its window (the only way a local path reaches it), and only for the app's own page", async () => {
    await start();
    const window = electron.windows[0]!;
    const choose = (frameUrl = 'app://memr1/index.html') => electron.ipcMain.invoke(IPC_CHANNELS.chooseFolder, ipcEvent(window.webContents, frameUrl), 'Choose a model folder');
    electron.dialog.nextFolder = '/home/me/models/Qwen2.5-0.5B-Instruct';
    await expect(choose()).resolves.toBe('/home/me/models/Qwen2.5-0.5B-Instruct');
    expect(electron.dialog.showOpenDialog).toHaveBeenCalledWith(window, { title: 'Choose a model folder', properties: ['openDirectory'] });
    electron.dialog.nextFolder = null;
    await expect(choose()).resolves.toBeNull();
    await expect(choose('https://evil.example/')).rejects.toThrow(/only the app's own page/);
    expect(electron.dialog.showOpenDialog).toHaveBeenCalledTimes(2);
    expect(await quit()).toBe(0);
  });

  it('without a keychain it keeps the key in the 0600 file web mode uses, and says so', async () => {
    electron.safeStorage.available = false;
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await start();
    expect(said).toHaveBeenCalledWith(expect.stringMatching(/no keychain is available/));
    expect(await invoke('settings.update', { api_key: 'sk-plain-1' })).toMatchObject({ ok: true, output: { api_key_set: true } });
    expect(statSync(join(profileDir(), 'api-key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(profileDir(), SEALED_KEY_FILE))).toBe(false);
    expect(await quit()).toBe(0);
  });

  it('quitting waits for the Assistant to close (store flushed, profile released), once, however often quit is asked', async () => {
    await start();
    await invoke('memory.add', { text: 'The user keeps bees.' });
    const realClose = Assistant.prototype.close;
    const closing = deferred();
    const close = vi.spyOn(Assistant.prototype, 'close').mockImplementation(async function (this: Assistant) {
      await closing.promise;
      return realClose.call(this);
    });
    const requests: FakeEvent[] = [];
    electron.app.on('before-quit', (event: FakeEvent) => requests.push(event));

    electron.app.quit();
    electron.app.quit();
    await vi.waitFor(() => expect(close).toHaveBeenCalledTimes(1));
    expect(requests.map((event) => event.defaultPrevented)).toEqual([true, true]);
    expect(electron.app.exit).not.toHaveBeenCalled();

    closing.resolve();
    expect(await electron.app.exited).toBe(0);
    expect(close).toHaveBeenCalledTimes(1);
    expect(electron.app.exit).toHaveBeenCalledTimes(1);
    // Closed for real: the profile opens again, with what was written.
    const reopened = await Assistant.open({ profileDir: profileDir(), embedder: await realEmbedder() });
    try {
      expect((await reopened.dispatch('memory.list', {})) as unknown).toMatchObject({ ok: true, output: { items: [{ text: 'The user keeps bees.' }] } });
    } finally {
      await reopened.close();
    }
  });

  it('a second launch brings the first window to the front', async () => {
    await start();
    const window = electron.windows[0]!;
    window.minimized = true;
    electron.app.emit('second-instance', new FakeEvent(), ['memr1'], '/');
    expect(window.restore).toHaveBeenCalledTimes(1);
    expect(window.focus).toHaveBeenCalledTimes(1);
    expect(await quit()).toBe(0);
  });

  it('when another instance holds the lock, it quits at once: no window, no profile opened', async () => {
    electron.app.hasLock = false;
    const open = vi.spyOn(Assistant, 'open');
    await start();
    expect(electron.app.quit).toHaveBeenCalledTimes(1);
    expect(electron.app.whenReady).not.toHaveBeenCalled();
    expect(electron.windows).toEqual([]);
    expect(open).not.toHaveBeenCalled();
    expect(electron.app.listenerCount('before-quit')).toBe(0);
  });

  it('a profile that cannot be opened is reported in a dialog, and the app exits with 1', async () => {
    const holder = await Assistant.open({ profileDir: profileDir(), embedder: await realEmbedder() });
    try {
      await expect(start()).resolves.toBeUndefined();
      expect(electron.dialog.showErrorBox).toHaveBeenCalledTimes(1);
      const [title, message] = electron.dialog.showErrorBox.mock.calls[0] as [string, string];
      expect(title).toBe('Memory-R1 could not start');
      expect(message).toContain('already open');
      expect(message).toContain(profileDir());
      expect(await electron.app.exited).toBe(1);
    } finally {
      await holder.close();
    }
  });
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
