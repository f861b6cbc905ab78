/**
 * Small fakes of the Electron APIs the desktop app uses, for
 * `vi.mock('electron', () => import('./fake-electron.js').then((m) => m.electronModule))`:
 * the binary cannot run here (DESIGN §10). They keep Electron's contracts that
 * the app relies on: IPC arguments and messages are structured-cloned (a value
 * Electron could not carry fails here too), `ipcMain.handle` takes one handler
 * per channel, `registerSchemesAsPrivileged` is refused once the app is ready,
 * `app.quit` emits a preventable 'before-quit' and `app.exit` does not.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

/** An Electron event: `preventDefault` and whatever details it carries (`url` for 'will-navigate'). */
export class FakeEvent {
  defaultPrevented = false;

  constructor(details: Record<string, unknown> = {}) {
    Object.assign(this, details);
  }

  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

type Message = [channel: string, ...args: unknown[]];

/** A page's webContents; what the main process sends it is recorded (and delivered to a connected renderer). */
export class FakeWebContents extends EventEmitter {
  readonly sent: Message[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  renderer: FakeIpcRenderer | undefined;
  /** Called after each message is recorded: a test reacts to a stream as it runs (cancels it, closes the page). */
  onSend: ((channel: string, ...args: unknown[]) => void) | undefined;
  private destroyed = false;
  private readonly endWaiters = new Map<string, () => void>();

  readonly send = vi.fn((channel: string, ...args: unknown[]) => {
    const copy = structuredClone(args);
    this.sent.push([channel, ...copy]);
    this.renderer?.emit(channel, new FakeEvent(), ...copy);
    if (channel === 'memr1:end') this.endWaiters.get(String(copy[0]))?.();
    this.onSend?.(channel, ...copy);
  });

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }

  /** Resolves when the stream `id` got its 'memr1:end'. */
  ended(id: string): Promise<void> {
    if (this.sent.some(([channel, sentId]) => channel === 'memr1:end' && sentId === id)) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.set(id, resolve));
  }

  /** The events sent for stream `id`, in order. */
  eventsOf(id: string): Array<Record<string, unknown> & { type: string }> {
    return this.sent.filter(([channel, sentId]) => channel === 'memr1:event' && sentId === id).map(([, , event]) => event as Record<string, unknown> & { type: string });
  }
}

export class FakeBrowserWindow extends EventEmitter {
  readonly webContents = new FakeWebContents();
  readonly loadURL = vi.fn(async (_url: string) => undefined);
  readonly show = vi.fn();
  readonly focus = vi.fn();
  readonly restore = vi.fn();
  minimized = false;

  static fromWebContents(contents: FakeWebContents): FakeBrowserWindow | null {
    return fakes.windows.find((w) => w.webContents === contents) ?? null;
  }

  constructor(readonly options: { webPreferences?: Record<string, unknown> } & Record<string, unknown>) {
    super();
    fakes.windows.push(this);
    fakes.app.emit('web-contents-created', new FakeEvent(), this.webContents);
  }

  isMinimized(): boolean {
    return this.minimized;
  }
}

/** The sender of an IPC message: a webContents and the frame the message came from. */
export function ipcEvent(sender: FakeWebContents, frameUrl: string | null = 'app://memr1/index.html') {
  return { sender, senderFrame: frameUrl === null ? null : { url: frameUrl } };
}

export class FakeIpcMain extends EventEmitter {
  private readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();

  readonly handle = vi.fn((channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  });

  /** What `ipcRenderer.invoke` from `event`'s page gets back. */
  async invoke(channel: string, event: ReturnType<typeof ipcEvent>, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return structuredClone(await handler(event, ...structuredClone(args)));
  }

  /** What `ipcRenderer.send` from `event`'s page does. */
  post(channel: string, event: ReturnType<typeof ipcEvent>, ...args: unknown[]): void {
    this.emit(channel, event, ...structuredClone(args));
  }
}

/** The preload's side of IPC, connected to `ipcMain` as the page `sender` at `frameUrl`. */
export class FakeIpcRenderer extends EventEmitter {
  constructor(
    private readonly ipcMain: FakeIpcMain,
    private readonly sender: FakeWebContents,
    private readonly frameUrl = 'app://memr1/index.html',
  ) {
    super();
    sender.renderer = this;
  }

  readonly invoke = vi.fn((channel: string, ...args: unknown[]) => this.ipcMain.invoke(channel, ipcEvent(this.sender, this.frameUrl), ...args));
  readonly send = vi.fn((channel: string, ...args: unknown[]) => this.ipcMain.post(channel, ipcEvent(this.sender, this.frameUrl), ...args));
}

class FakeApp extends EventEmitter {
  ready = false;
  hasLock = true;
  userData = '/nonexistent/userData';
  private exitCode: ((code: number) => void) | undefined;
  /** Resolves with the code `app.exit` was called with. */
  readonly exited = new Promise<number>((resolve) => (this.exitCode = resolve));

  readonly requestSingleInstanceLock = vi.fn(() => this.hasLock);
  readonly whenReady = vi.fn(async () => {
    this.ready = true;
  });
  readonly getPath = vi.fn((name: string) => {
    if (name !== 'userData') throw new Error(`the fake app knows no path "${name}"`);
    return this.userData;
  });
  readonly quit = vi.fn(() => {
    this.emit('before-quit', new FakeEvent());
  });
  readonly exit = vi.fn((code = 0) => this.exitCode?.(code));
}

function createFakes() {
  const app = new FakeApp();
  return {
    app,
    windows: [] as FakeBrowserWindow[],
    ipcMain: new FakeIpcMain(),
    protocol: {
      handlers: new Map<string, (request: Request) => Promise<Response>>(),
      registerSchemesAsPrivileged: vi.fn((_schemes: unknown[]) => {
        if (app.ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
      }),
      handle: vi.fn((scheme: string, handler: (request: Request) => Promise<Response>) => {
        fakes.protocol.handlers.set(scheme, handler);
      }),
    },
    defaultSession: {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
    },
    dialog: {
      showErrorBox: vi.fn(),
      /** What the user picks in the next folder dialog (null: cancel). */
      nextFolder: null as string | null,
      showOpenDialog: vi.fn(async (..._args: unknown[]) => (fakes.dialog.nextFolder === null ? { canceled: true, filePaths: [] } : { canceled: false, filePaths: [fakes.dialog.nextFolder] })),
    },
    safeStorage: new FakeSafeStorage(),
  };
}

/** `safeStorage` with a reversible stand-in for the keychain's cipher (the real one needs the OS keychain). */
export class FakeSafeStorage {
  available = true;
  readonly isEncryptionAvailable = vi.fn(() => this.available);
  readonly encryptString = vi.fn((plain: string) => Buffer.concat([SEALED, Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)]));
  readonly decryptString = vi.fn((sealed: Buffer) => {
    if (!sealed.subarray(0, SEALED.length).equals(SEALED)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(sealed.subarray(SEALED.length).map((b) => b ^ 0x5a)).toString('utf8');
  });
}
const SEALED = Buffer.from('fake-sealed:');

let fakes = createFakes();

/** Fresh fakes (no listeners, no windows, no handlers) for the next test. */
export function resetElectron(): typeof fakes {
  fakes = createFakes();
  return fakes;
}

/** The mocked 'electron' module of the main process: each name reads the current fakes. */
export const electronModule = {
  get app() {
    return fakes.app;
  },
  get ipcMain() {
    return fakes.ipcMain;
  },
  get protocol() {
    return fakes.protocol;
  },
  get session() {
    return { defaultSession: fakes.defaultSession };
  },
  get dialog() {
    return fakes.dialog;
  },
  get safeStorage() {
    return fakes.safeStorage;
  },
  BrowserWindow: FakeBrowserWindow,
};
