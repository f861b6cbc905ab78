import type { IncomingMessage } from 'node:http';
import { ApiError } from '../contract/api-error.js';

/**
 * The body as UTF-8 text. Past `limit` bytes it is PAYLOAD_TOO_LARGE: a
 * declared length over the limit is refused before anything is buffered, and
 * the rest is drained rather than kept, so the client still reads the 413.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = new ApiError('PAYLOAD_TOO_LARGE', `the request is larger than ${limit.toLocaleString('en')} bytes`);
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume();
      return reject(tooLarge);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > limit) return reject(tooLarge);
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(new ApiError('BAD_INPUT', 'the body is not valid UTF-8'));
      }
    });
    req.on('error', reject);
  });
}
