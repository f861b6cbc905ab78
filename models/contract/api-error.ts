import { ChatModelError, type ChatModelErrorCode } from '../llm/chat-model.js';
import { MemoryError, type MemoryErrorCode } from '../memory/errors.js';
import { CheckpointError, type CheckpointErrorCode } from '../rl/checkpoint-error.js';
import type { ApiErrorBody, ApiErrorCode } from './schemas.js';

/** A refusal the API reports as `{error: {code, message}}` (or a stream's error event). */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const FROM_MEMORY: Record<MemoryErrorCode, ApiErrorCode> = {
  INVALID_INPUT: 'BAD_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  // An import from another embedder's database: the data, not the request, is at odds with the profile.
  DIMENSION_MISMATCH: 'CONFLICT',
  EMBEDDER_MISMATCH: 'CONFLICT',
  DATABASE_MISSING: 'INTERNAL',
  DATABASE_CORRUPT: 'DATABASE_CORRUPT',
  NOT_A_DATABASE: 'INTERNAL',
  PROFILE_LOCKED: 'CONFLICT',
  READ_ONLY: 'INTERNAL',
  CLOSED: 'INTERNAL',
};

const FROM_CHAT_MODEL: Record<ChatModelErrorCode, ApiErrorCode> = {
  INVALID_OPTIONS: 'BAD_INPUT',
  UNKNOWN_MODEL: 'NOT_FOUND',
  UNREACHABLE: 'MODEL_UNAVAILABLE',
  HTTP_ERROR: 'MODEL_UNAVAILABLE',
  BAD_STREAM: 'MODEL_UNAVAILABLE',
  TIMEOUT: 'MODEL_UNAVAILABLE',
  LOAD_FAILED: 'MODEL_UNAVAILABLE',
  OFFLINE: 'MODEL_UNAVAILABLE',
  DOWNLOAD_INTERRUPTED: 'MODEL_UNAVAILABLE',
};

const FROM_CHECKPOINT: Record<CheckpointErrorCode, ApiErrorCode> = {
  INVALID_INPUT: 'BAD_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  // The policy files, not the request, are at odds with what was asked (nothing older to roll back to, a damaged version).
  CORRUPT: 'CONFLICT',
  FEATURE_DIM_MISMATCH: 'CONFLICT',
  NOTHING_TO_ROLL_BACK: 'CONFLICT',
  NOTHING_TO_INSTALL: 'NOT_FOUND',
  SAVE_FAILED: 'INTERNAL',
};

/** Any thrown value as an API error body; the engine's coded errors keep their meaning, anything else is INTERNAL. */
export function toApiError(error: unknown): ApiErrorBody {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  if (error instanceof MemoryError) return { code: FROM_MEMORY[error.code], message: error.message };
  if (error instanceof ChatModelError) return { code: FROM_CHAT_MODEL[error.code], message: error.message };
  if (error instanceof CheckpointError) return { code: FROM_CHECKPOINT[error.code], message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
