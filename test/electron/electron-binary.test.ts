import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../electron/electron-binary.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm start without the Electron binary', () => {
  it('finds the binary the electron package names, when it is there', () => {
    expect(findElectronBinary(() => process.execPath)).toEqual({ path: process.execPath });
  });

  it('says why it cannot start and what to do: when the download never ran, or the file is not there', () => {
    const neverDownloaded = findElectronBinary(() => {
      throw new Error('Electron failed to install correctly, please delete node_modules/electron and try installing again');
    });
    const cutShort = findElectronBinary(() => '/nowhere/electron');
    for (const found of [neverDownloaded, cutShort]) {
      expect(found).toEqual({ missing: expect.stringContaining('the Electron binary is not installed') });
      const { missing } = found as { missing: string };
      expect(missing).toContain('node node_modules/electron/install.js');
      expect(missing).toContain('npm run serve');
    }
    expect((cutShort as { missing: string }).missing).toContain('/nowhere/electron');
  });

  it('says the package itself is missing when it is', () => {
    const found = findElectronBinary(() => {
      throw Object.assign(new Error("Cannot find module 'electron'"), { code: 'MODULE_NOT_FOUND' });
    });
    expect(found).toEqual({ missing: expect.stringContaining('npm install') });
  });

  it('the launcher prints that message and exits 1, with no stack trace', async () => {
    // The electron package's own override makes the binary missing on any machine.
    const env = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: tempDir() };
    const failed = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'electron/launch.ts'], { cwd: ROOT, env }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toBe('');
    expect(failed?.stderr).toContain('the Electron binary is not installed');
    expect(failed?.stderr).toContain('node node_modules/electron/install.js');
    expect(failed?.stderr).not.toMatch(/^\s+at /m);
  });
});
