import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts a TypeScript script of the repository in a separate Node process (through tsx). */
export function spawnScript(script: string, args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: 'pipe' });
}

/** Resolves when the child prints a line for which `wanted` is true; rejects if it exits first. */
export function waitForLine(child: ChildProcessWithoutNullStreams, wanted: (line: string) => boolean, onLine?: (line: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      onLine?.(line);
      if (wanted(line)) resolve(line);
    });
    child.on('exit', (code, signal) => reject(new Error(`child exited (${code ?? signal}) before the expected line; stderr:\n${stderr}`)));
  });
}

export function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('exit', () => resolve())));
}
