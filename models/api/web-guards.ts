import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ApiErrorCode } from '../contract/schemas.js';

export const HTTP_STATUS: Record<ApiErrorCode, number> = {
  BAD_INPUT: 400,
  UNAUTHORIZED: 401,
  BAD_HOST: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  NO_CHAT_MODEL: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL: 500,
  MODEL_UNAVAILABLE: 502,
  // The service is there but cannot serve the memory until it is restored.
  DATABASE_CORRUPT: 503,
};

/**
 * DNS rebinding: a hostile page can make its own domain resolve to
 * 127.0.0.1, but its requests still name that domain in `Host`. Only the
 * names this server is reached by on this machine are accepted.
 */
export function hostAllowed(req: IncomingMessage, host: string, port: number): boolean {
  const allowed = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `${host.includes(':') ? `[${host}]` : host}:${port}`.toLowerCase()]);
  return allowed.has((req.headers.host ?? '').toLowerCase());
}

/**
 * Node keeps only the first of repeated `Host` headers, so a request with
 * two is ambiguous (a proxy may route by the other one): refused as malformed.
 */
export function hostRepeated(req: IncomingMessage): boolean {
  return (req.headersDistinct.host?.length ?? 0) > 1;
}

/** `Authorization: Bearer <token>`, compared in constant time. */
export function tokenMatches(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** JSON bodies only: a form post from another site cannot reach a route (it would need a CORS preflight for JSON). */
export function isJsonContentType(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}
