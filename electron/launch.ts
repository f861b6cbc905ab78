/**
 * `npm start`: runs the built desktop app in Electron, from plain Node.
 * Where the Electron binary was never downloaded, it says so and how to get
 * it, and exits 1 (no stack trace).
 */
import { spawn } from 'node:child_process';
import { packageRoot } from '../models/util/package-root.js';
import { findElectronBinary } from './electron-binary.js';

const electron = findElectronBinary();
if ('missing' in electron) {
  console.error(electron.missing);
  process.exit(1);
}

// ELECTRON_RUN_AS_NODE, if inherited, would make Electron a plain Node and ignore the app.
const { ELECTRON_RUN_AS_NODE: _runAsNode, ...env } = process.env;
const child = spawn(electron.path, [packageRoot()], { stdio: 'inherit', env });
// Electron quits gracefully on the first SIGINT or SIGTERM (the memory store flushes) and dies on a second.
// Ctrl-C already reaches it with the whole foreground process group, so SIGINT is only waited out here;
// a SIGTERM sent to this process alone is passed on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
