import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { MemoryRecord } from './records.js';

/**
 * Journal snapshots are JSON with the vector as base64 float32, so an undo
 * restores the exact bytes of the previous record (no re-embedding) at about a
 * third of the size of a JSON number array.
 */
interface StoredSnapshot extends Omit<MemoryRecord, 'vector' | 'scope'> {
  vector_b64: string;
  /** Absent in snapshots journaled before scopes: those memories were `personal`. */
  scope?: string;
}

export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

export function decodeVector(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  // Copy into a fresh, aligned buffer: Buffer pools may start at odd offsets.
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function encodeSnapshot(record: MemoryRecord | null): string | null {
  if (!record) return null;
  const { vector, ...rest } = record;
  const stored: StoredSnapshot = { ...rest, vector_b64: encodeVector(vector) };
  return JSON.stringify(stored);
}

export function decodeSnapshot(json: string | null): MemoryRecord | null {
  if (json === null) return null;
  const { vector_b64, scope = DEFAULT_SCOPE, ...rest } = JSON.parse(json) as StoredSnapshot;
  return { ...rest, scope, vector: decodeVector(vector_b64) };
}
