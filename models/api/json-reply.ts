import type { ServerResponse } from 'node:http';
import type { ApiErrorBody } from '../contract/schemas.js';
import { HTTP_STATUS } from './web-guards.js';

/** A JSON answer: its status and body. */
export type Reply = { status: number; body: unknown };

/** A refusal in the API's error shape, with the status its code maps to. */
export const refuse = (code: ApiErrorBody['code'], message: string): Reply => ({ status: HTTP_STATUS[code], body: { error: { code, message } } });

export function sendJson(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
