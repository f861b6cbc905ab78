export type LocomoDataErrorCode = 'NOT_FOUND' | 'UNREADABLE' | 'NOT_JSON' | 'NOT_LOCOMO';

/** The LoCoMo data could not be used. Each code has one meaning and the message says what to do. */
export class LocomoDataError extends Error {
  override readonly name = 'LocomoDataError';

  constructor(
    readonly code: LocomoDataErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
