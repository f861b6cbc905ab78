import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every source file below `dir` (relative to the repository) with the repository-relative folders it imports from. */
function importsBelow(dir: string, extensions = ['.ts', '.cts', '.svelte']): Array<{ file: string; imports: string[] }> {
  const out: Array<{ file: string; imports: string[] }> = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(path);
      } else if (extensions.some((ext) => entry.name.endsWith(ext))) {
        const text = readFileSync(join(ROOT, path), 'utf8');
        const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
        out.push({ file: path, imports: specifiers.map((s) => relative(ROOT, resolve(join(ROOT, folder), s))) });
      }
    }
  };
  walk(dir);
  return out;
}

/** `file → import` pairs where a file under `from` imports from one of `forbidden`. */
function violations(from: string, forbidden: readonly string[]): string[] {
  return importsBelow(from).flatMap(({ file, imports }) => imports.filter((i) => forbidden.some((f) => i === f || i.startsWith(`${f}/`))).map((i) => `${file} → ${i}`));
}

describe('imports only go down the layers (README, Layout)', () => {
  it('the contract (routes, schemas, API errors) imports none of its users', () => {
    expect(violations('models/contract', ['models/api', 'models/learning', 'models/cli', 'models/bench', 'models/train', 'models/eval', 'models/agents'])).toEqual([]);
  });

  it('the updater (learning) does not import the API service above it', () => {
    expect(violations('models/learning', ['models/api', 'models/cli', 'models/bench'])).toEqual([]);
  });

  it('rl stays generic: it imports no agent', () => {
    expect(violations('models/rl', ['models/agents', 'models/api', 'models/learning'])).toEqual([]);
  });

  it('the engine imports nothing from electron/ or renderer/', () => {
    expect(violations('models', ['electron', 'renderer'])).toEqual([]);
  });

  it('the renderer imports only the contract from the engine', () => {
    const engine = importsBelow('renderer/src').flatMap(({ file, imports }) => imports.filter((i) => i.startsWith('models/') && !i.startsWith('models/contract/')).map((i) => `${file} → ${i}`));
    expect(engine).toEqual([]);
  });
});
