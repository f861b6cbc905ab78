import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileFunction } from 'node:vm';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PRELOAD_SOURCE = join(ROOT, 'electron', 'preload.cts');

/** `electron/preload.cts` as `npm run build` emits it: compiled with tsconfig.build.json's options. */
export function compiledPreload(): string {
  const configFile = join(ROOT, 'tsconfig.build.json');
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configFile));
  const { outputText, diagnostics } = ts.transpileModule(readFileSync(PRELOAD_SOURCE, 'utf8'), {
    compilerOptions: { ...options, sourceMap: false },
    fileName: PRELOAD_SOURCE,
    reportDiagnostics: true,
  });
  if (diagnostics?.length) throw new Error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost(options)));
  return outputText;
}

/**
 * Runs the compiled preload as Electron runs a sandboxed one: the script's
 * body as a function of (require, process, exports, module), whose `require`
 * knows 'electron' only (anything else throws, as there). Returns the module
 * names it asked for.
 */
export function runPreload(electron: unknown): string[] {
  const required: string[] = [];
  const require = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`module not found: ${name}`);
    return electron;
  };
  const exports = {};
  compileFunction(compiledPreload(), ['require', 'process', 'exports', 'module'])(require, {}, exports, { exports });
  return required;
}
