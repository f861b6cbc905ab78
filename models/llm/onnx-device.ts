import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Execution providers onnxruntime-node offers, by platform. */
export type OnnxDevice = 'cpu' | 'cuda' | 'dml' | 'coreml';

export interface DeviceCandidate {
  device: OnnxDevice;
  /** Why this device is tried (or, for a skipped GPU, why not). */
  reason: string;
}

const require = createRequire(import.meta.url);

/**
 * The devices to try, best first, ending with the CPU: CUDA on Linux x64 when
 * its provider library is installed (it is not by default: see the README),
 * DirectML on Windows, CoreML on macOS. `skipped` explains GPUs left out.
 */
export function deviceCandidates(requested: OnnxDevice | 'auto' = 'auto', platform = process.platform, arch = process.arch): { candidates: DeviceCandidate[]; skipped: string[] } {
  if (requested !== 'auto') return { candidates: [{ device: requested, reason: 'requested' }], skipped: [] };
  const skipped: string[] = [];
  const candidates: DeviceCandidate[] = [];
  if (platform === 'linux' && arch === 'x64') {
    if (cudaProviderInstalled()) candidates.push({ device: 'cuda', reason: 'CUDA provider installed' });
    else skipped.push('CUDA provider not installed (see the README to enable the GPU)');
  } else if (platform === 'win32') {
    candidates.push({ device: 'dml', reason: 'DirectML on Windows' });
  } else if (platform === 'darwin') {
    candidates.push({ device: 'coreml', reason: 'CoreML on macOS' });
  }
  candidates.push({ device: 'cpu', reason: candidates.length ? 'fallback' : 'no GPU provider on this platform' });
  return { candidates, skipped };
}

function cudaProviderInstalled(): boolean {
  try {
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    return existsSync(join(root, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}
