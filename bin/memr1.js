#!/usr/bin/env node
// The `memr1` command. Runs the compiled engine; `npm install` builds it (the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/models/cli-main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('memr1: the engine is not built yet; run `npm run build` in the project folder');
  process.exit(1);
}
await import(entry.href);
