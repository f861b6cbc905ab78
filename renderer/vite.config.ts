import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/**
 * Builds the renderer into renderer/dist. `base: './'` because Electron loads
 * the page from a file; the output has no inline script (the web server's CSP
 * allows only `script-src 'self'`).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One module script, no inline modulepreload polyfill.
    modulePreload: { polyfill: false },
  },
});
