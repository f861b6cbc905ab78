import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/memr1.js', import.meta.url));

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs the installed `memr1` command (the compiled build, as a user would) with `MEMR1_HOME` set to `home`. */
export async function runMemr1(home: string, args: readonly string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, MEMR1_HOME: home } });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as CliResult;
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}
