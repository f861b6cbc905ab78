/**
 * OpenAI structured output (`response_format: json_schema`) for the agents'
 * calls, and the servers that refuse it. OpenAI, vLLM, llama.cpp, LM Studio
 * and Ollama ≥ 0.5 take a schema; an older or stricter server answers 400
 * (or 422) to the unknown field. Such a refusal is remembered per server and
 * model for the life of the process, so each later call goes straight to the
 * plain prompt instead of paying a failed request first.
 */
import type { OutputFormat } from './chat-model.js';

/** Statuses with which a server says it does not take a request field. */
const REFUSAL_STATUSES = new Set([400, 422]);

const refused = new Set<string>();

function key(baseUrl: string, model: string): string {
  return `${baseUrl}\u0000${model}`;
}

/** The `response_format` field for `format`, or undefined when there is none to send (no format, a grammar, or a server that refused). */
export function responseFormat(baseUrl: string, model: string, format: OutputFormat | undefined): Record<string, unknown> | undefined {
  if (format?.type !== 'json_schema' || refused.has(key(baseUrl, model))) return undefined;
  return { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, strict: format.strict } };
}

/** Whether an answer with `status` to a request that carried a schema is a refusal of the schema. */
export function isSchemaRefusal(status: number): boolean {
  return REFUSAL_STATUSES.has(status);
}

export function rememberSchemaRefusal(baseUrl: string, model: string): void {
  refused.add(key(baseUrl, model));
}
