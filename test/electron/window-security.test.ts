import { join } from 'node:path';
import type { Session, WebContents } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_ENTRY_URL, isAppUrl } from '../../electron/app-origin.js';
import { createMainWindow, focusWindow } from '../../electron/main-window.js';
import { guardNavigation } from '../../electron/navigation-guard.js';
import { denyAllPermissions } from '../../electron/permissions.js';
import { desktopProfileDir } from '../../electron/profile-folder.js';
import { FakeEvent, FakeWebContents, resetElectron } from './fake-electron.js';

vi.mock('electron', () => import('./fake-electron.js').then((fake) => fake.electronModule));

let electron: ReturnType<typeof resetElectron>;

beforeEach(() => {
  electron = resetElectron();
});

const FOREIGN_URLS = ['https://evil.example/', 'http://127.0.0.1:8080/', 'file:///etc/passwd', 'app://other/index.html', 'javascript:alert(1)', 'data:text/html,<script>1</script>', 'about:blank', 'not a url'];

describe('the main window', () => {
  it('runs the page sandboxed, isolated, without Node and with web security, and shows it once painted', () => {
    const window = createMainWindow('/app/dist/electron/preload.cjs');
    expect(window).toBe(electron.windows[0]);
    const fake = electron.windows[0]!;
    expect(fake.options.webPreferences).toEqual({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(fake.options.show).toBe(false);
    expect(fake.loadURL).toHaveBeenCalledWith('app://memr1/index.html');
    expect(fake.show).not.toHaveBeenCalled();
    fake.emit('ready-to-show');
    expect(fake.show).toHaveBeenCalledTimes(1);
  });

  it('focusWindow restores a minimized window and focuses it', () => {
    createMainWindow('/preload.cjs');
    const fake = electron.windows[0]!;
    fake.minimized = true;
    focusWindow(fake as never);
    expect(fake.restore).toHaveBeenCalledTimes(1);
    expect(fake.focus).toHaveBeenCalledTimes(1);
  });
});

describe('navigation and new windows', () => {
  const navigate = (contents: FakeWebContents, url: string) => {
    const event = new FakeEvent({ url });
    contents.emit('will-navigate', event);
    return event.defaultPrevented;
  };

  it('keeps the page on the app origin: a navigation anywhere else is prevented', () => {
    const contents = new FakeWebContents();
    guardNavigation(contents as unknown as WebContents);
    for (const url of FOREIGN_URLS) expect(navigate(contents, url), url).toBe(true);
    expect(navigate(contents, APP_ENTRY_URL)).toBe(false);
    expect(navigate(contents, 'app://memr1/review?x=1#top')).toBe(false);
  });

  it('denies every window.open, to the app or elsewhere', () => {
    const contents = new FakeWebContents();
    guardNavigation(contents as unknown as WebContents);
    for (const url of [...FOREIGN_URLS, APP_ENTRY_URL]) expect(contents.windowOpenHandler!({ url }), url).toEqual({ action: 'deny' });
  });
});

describe('permissions', () => {
  it('refuses every permission request and answers every check with no', () => {
    denyAllPermissions(electron.defaultSession as unknown as Session);
    const [request] = electron.defaultSession.setPermissionRequestHandler.mock.calls[0] as [(...args: unknown[]) => void];
    const [check] = electron.defaultSession.setPermissionCheckHandler.mock.calls[0] as [(...args: unknown[]) => boolean];
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const callback = vi.fn();
      request({}, permission, callback, { requestingUrl: APP_ENTRY_URL });
      expect(callback, permission).toHaveBeenCalledExactlyOnceWith(false);
      expect(check({}, permission, 'app://memr1', {}), permission).toBe(false);
    }
  });
});

describe('the app origin and profile folder', () => {
  it('isAppUrl accepts app://memr1 only', () => {
    expect(isAppUrl('app://memr1/index.html')).toBe(true);
    expect(isAppUrl('app://memr1/')).toBe(true);
    for (const url of [...FOREIGN_URLS, 'app://memr1.evil.example/', 'app://memr1:80/', 'App://other/', '']) expect(isAppUrl(url), url).toBe(false);
  });

  it('the profile lives in the user data folder unless MEMR1_PROFILE names another', () => {
    expect(desktopProfileDir('/home/u/.config/memory-r1-desktop', {})).toBe(join('/home/u/.config/memory-r1-desktop', 'profiles', 'default'));
    expect(desktopProfileDir('/home/u/.config/memory-r1-desktop', { MEMR1_PROFILE: '/data/work' })).toBe('/data/work');
    expect(desktopProfileDir('/x', { MEMR1_PROFILE: '' })).toBe(join('/x', 'profiles', 'default'));
  });
});
