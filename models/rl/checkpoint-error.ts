export type CheckpointErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'CORRUPT'
  | 'FEATURE_DIM_MISMATCH'
  | 'NOTHING_TO_ROLL_BACK'
  | 'NOTHING_TO_INSTALL'
  | 'SAVE_FAILED';

/** A refused or failed checkpoint call. Each code has one meaning and the message says what to do. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
