import { defineConfig } from 'vitest/config';

/**
 * The slow tier (`npm run test:slow`): the learning checks that train for a
 * fixed number of steps, end-to-end CLI runs that train or benchmark, the
 * crash-safety trials, and constrained decoding's seeded generations. Still needed, so CI runs them (`npm run test:all`,
 * the README's test command); `npm test` stays the quick suite a change is
 * checked with (README, Development, gives the times).
 */
const SLOW_TESTS = [
  'test/train/synthetic-training.test.ts',
  'test/train/locomo-training.test.ts',
  'test/train/manager-task.test.ts',
  'test/api/training-runs.test.ts',
  'test/api/training-faults.test.ts',
  'test/eval/sim-bank.test.ts',
  'test/cli/agent-cli.test.ts',
  'test/cli/policy-install-cli.test.ts',
  'test/learning/learn-cli.test.ts',
  'test/learning/locomo-gate.test.ts',
  'test/ui/learning.test.ts',
  'test/memory/crash-safety.test.ts',
  'test/llm/constrained-decoding.test.ts',
];

// LanceDB and TensorFlow.js load native/wasm code: separate processes are the safe isolation.
const shared = { pool: 'forks', hookTimeout: 120_000 } as const;

export default defineConfig({
  test: {
    // Two test files at a time even on 2 cores (vitest's default there is one): most wait on child
    // processes (the CLI, Chromium, vite) or disk for part of their run.
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'fast', include: ['test/**/*.test.ts'], exclude: SLOW_TESTS, testTimeout: 120_000 } },
      // Bounded by fixed step counts; the timeout only catches a hang, so it is far above a run on a loaded laptop.
      { test: { ...shared, name: 'slow', include: SLOW_TESTS, testTimeout: 900_000, hookTimeout: 900_000 } },
    ],
  },
});
