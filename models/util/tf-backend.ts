import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Which TensorFlow.js backend the process uses, and why. */
export interface TfBackendInfo {
  name: 'tensorflow' | 'wasm' | 'cpu';
  reason: string;
}

let selected: Promise<TfBackendInfo> | undefined;

/**
 * Picks the fastest TensorFlow.js backend that loads here, once per process:
 * the native `tensorflow` backend from `@tensorflow/tfjs-node-gpu` or
 * `@tensorflow/tfjs-node` (optional dependencies: they download libtensorflow
 * at install and npm drops them where that fails), else WebAssembly (about 30x
 * the pure-JS cpu backend), else cpu.
 *
 * `MEMR1_TF_BACKEND=wasm|cpu|tensorflow` forces a choice (used by benchmarks).
 */
export function ensureTfBackend(): Promise<TfBackendInfo> {
  selected ??= selectBackend();
  return selected;
}

async function selectBackend(): Promise<TfBackendInfo> {
  const forced = process.env.MEMR1_TF_BACKEND;
  const failures: string[] = [];
  if (!forced || forced === 'tensorflow') {
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        // A native binding registers the `tensorflow` backend when required.
        require(pkg);
        if (await tf.setBackend('tensorflow')) {
          await tf.ready();
          return { name: 'tensorflow', reason: `native TensorFlow from ${pkg}` };
        }
      } catch (error) {
        failures.push(`${pkg}: ${firstLine(error)}`);
      }
    }
  }
  if (!forced || forced === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      const ok = await withoutEmscriptenHandlers(() => tf.setBackend('wasm'));
      if (ok) {
        await tf.ready();
        const reason = forced
          ? 'forced by MEMR1_TF_BACKEND'
          : `WebAssembly; native TensorFlow not available (${failures.join('; ')})`;
        return { name: 'wasm', reason };
      }
    } catch (error) {
      failures.push(`wasm: ${firstLine(error)}`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', reason: `pure JavaScript fallback (${failures.join('; ') || 'forced'})` };
}

/**
 * Emscripten's Node glue installs process handlers that rethrow every
 * unhandled rejection from inside the minified wasm loader, which buries the
 * real error under 30 KB of code. Node's own handling is better: undo them.
 */
async function withoutEmscriptenHandlers<T>(load: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = events.map((event) => new Set(emitter.listeners(event)));
  try {
    return await load();
  } finally {
    events.forEach((event, i) => {
      for (const listener of emitter.listeners(event)) {
        if (!before[i]!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    });
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
