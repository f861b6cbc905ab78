import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** Calls a tool with the SDK's client; the JSON its text holds, or the error text when the tool failed. */
export async function callTool<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>): Promise<{ ok: true; value: T } | { ok: false; text: string }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  return result.isError ? { ok: false, text } : { ok: true, value: JSON.parse(text) as T };
}

/** A tool call that must succeed. */
export async function toolValue<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const result = await callTool<T>(client, name, args);
  if (!result.ok) throw new Error(`${name} failed: ${result.text}`);
  return result.value;
}

export interface OperationFacts {
  op_id: string;
  kind: string;
  memory_id: string | null;
  text: string | null;
  origin: string;
  status: string;
}
