import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

/**
 * Builds the renderer into renderer/dist. `base: './'`: relative asset URLs,
 * so the same build is served by web mode and on the desktop app's
 * `app://memr1/`; the output has no inline script (both serve it with a CSP
 * that allows only `script-src 'self'`).
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
