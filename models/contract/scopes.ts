/**
 * Scopes (issue 17): every memory, journaled operation and conversation
 * belongs to one, and a chat or another tool reads and writes only its own,
 * so what is told in one project never comes up in another. `personal` is
 * the default; a project is any other name; a tool can be given its own.
 * Browser-safe: zod only (the renderer validates names with it).
 */
import { z } from 'zod';

/** Where memories go when nothing says otherwise, and where every memory from before scopes lives. */
export const DEFAULT_SCOPE = 'personal';

const MAX_SCOPE_CHARS = 64;

/**
 * A scope's name: 1–64 letters, digits, spaces, `.`, `_`, `-` or `:`, starting
 * with a letter or digit ("personal", "Project Atlas", "client:cursor"). No
 * quotes or slashes: names go into the store's filters and into file names of exports.
 */
export const ScopeName = z
  .string()
  .trim()
  .min(1)
  .max(MAX_SCOPE_CHARS)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._:-]*$/u, 'a scope name is letters, digits, spaces, ".", "_", "-" or ":", starting with a letter or digit');
