import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The Electron executable, or what to tell the user when it is not installed. */
export type ElectronBinary = { path: string } | { missing: string };

const BINARY_MISSING = [
  'memr1: the Electron binary is not installed, so the desktop app cannot start.',
  'npm does not run the electron package\'s download script here ("allowScripts" in package.json denies it: the binary comes from GitHub, not the npm registry).',
  'On a machine with network access, fetch it once with:',
  '  node node_modules/electron/install.js',
  'then run `npm start` again. Or open the same app in a browser (web mode): `npm run serve`.',
].join('\n');

const PACKAGE_MISSING = 'memr1: the electron package is not installed (it is a dev dependency): run `npm install`, then `npm start` again. Or use web mode: `npm run serve`.';

/**
 * Where the `electron` package says its binary is. Requiring the package
 * from Node gives that path, and throws when its download never ran (its own
 * advice, to reinstall, would not help here, so it is not repeated); a path
 * to a file that is not there (a download cut short) is missing too.
 */
export function findElectronBinary(requireElectron: () => unknown = () => createRequire(import.meta.url)('electron')): ElectronBinary {
  let path: unknown;
  try {
    path = requireElectron();
  } catch (error) {
    return { missing: (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? PACKAGE_MISSING : BINARY_MISSING };
  }
  if (typeof path !== 'string' || !existsSync(path)) return { missing: `${BINARY_MISSING}\n(no executable at ${String(path)})` };
  return { path };
}
