/** Why a memory-store call was refused. Each code has one meaning and the message says what to do. */
export type MemoryErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'DIMENSION_MISMATCH'
  | 'EMBEDDER_MISMATCH'
  | 'DATABASE_MISSING'
  | 'DATABASE_CORRUPT'
  | 'NOT_A_DATABASE'
  | 'PROFILE_LOCKED'
  | 'CONFLICT'
  | 'READ_ONLY'
  | 'CLOSED';

/** A refused call: nothing in the store changed. */
export class MemoryError extends Error {
  override readonly name = 'MemoryError';

  constructor(
    readonly code: MemoryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An error's first line, without the Rust source locations LanceDB appends to its messages. */
export function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.replace(/,?\s*\S+\.rs:\d+:\d+/g, '');
}

export function isMemoryError(error: unknown, code?: MemoryErrorCode): error is MemoryError {
  return error instanceof MemoryError && (code === undefined || error.code === code);
}
