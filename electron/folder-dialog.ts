import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { isAppUrl } from './app-origin.js';
import { IPC_CHANNELS } from './ipc-channels.js';

/** A dialog title the page asks for, kept short (it is the page's text, shown in a system dialog). */
const MAX_TITLE = 120;

/**
 * Answers the page's `window.memr1.chooseFolder(title)` with the system's
 * folder dialog over its window: the chosen folder's path, or null when the
 * user cancels. Only the app's own page may ask. The dialog is the only way
 * a local path reaches the page: it never reads the disk itself.
 */
export function serveFolderDialog(): void {
  ipcMain.handle(IPC_CHANNELS.chooseFolder, async (event: IpcMainInvokeEvent, title: unknown) => {
    const url = event.senderFrame?.url;
    if (url === undefined || !isAppUrl(url)) throw new Error("only the app's own page may open a folder dialog");
    const window = BrowserWindow.fromWebContents(event.sender);
    const options = { title: String(title ?? 'Choose a folder').slice(0, MAX_TITLE), properties: ['openDirectory' as const] };
    const chosen = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
    return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
  });
}
