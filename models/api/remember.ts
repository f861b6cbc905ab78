import { randomUUID } from 'node:crypto';
import { ApiError } from '../contract/api-error.js';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { ParsedInput } from '../contract/routes.js';
import type { ChatModel } from '../llm/chat-model.js';
import type { OperationRecord } from '../memory/records.js';
import { ingestMessage, type IngestParts } from './manager-ingest.js';

/**
 * `memory.remember`: text another tool sends (MCP `remember`) goes through
 * the Memory Manager as a user's chat message does, as its own turn, timed
 * now. With no chat model set up the manager still runs, LLM-free (the text
 * is the fact, a similarity heuristic the prior), since a tool that only
 * stores memories should not need one; a model that is set up but fails is
 * an error, as in a chat.
 */
export async function rememberText(parts: IngestParts, model: () => Promise<ChatModel>, input: ParsedInput<'memory.remember'>): Promise<OperationRecord[]> {
  const llm = await model().catch((error: unknown) => {
    if (error instanceof ApiError && error.code === 'NO_CHAT_MODEL') return undefined;
    throw error;
  });
  const turn = { subject: input.subject, text: input.text, time: new Date().toISOString(), sources: [], turnId: randomUUID() };
  return (await ingestMessage(parts, llm, turn, { client: input.origin, scope: input.scope ?? DEFAULT_SCOPE })).map((decision) => decision.op);
}
