import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // LanceDB and TensorFlow.js load native/wasm code: separate processes are the safe isolation.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
