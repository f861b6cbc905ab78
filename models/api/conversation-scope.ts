import { ApiError } from '../contract/api-error.js';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import type { ConversationLog } from '../memory/conversation-log.js';
import type { MessageLog } from '../memory/message-log.js';

/**
 * The scope a chat turn reads and writes: the one its conversation was filed
 * under when it began. A new conversation is filed under the requested scope
 * (default `personal`) before its first message is stored; one from before
 * scopes is `personal`. Asking for another scope in a filed conversation is
 * refused: its memories stay where they were told, and a new chat is the way
 * to talk in another project.
 */
export async function conversationScope(parts: { conversations: ConversationLog; messages: MessageLog }, sessionId: string, requested: string | undefined): Promise<string> {
  let filed = parts.conversations.session(sessionId)?.scope ?? null;
  if (filed === null && (await parts.messages.session(sessionId)).length > 0) {
    // One from before scopes is personal: filed now, so that its later turns need not read its messages.
    filed = DEFAULT_SCOPE;
    await parts.conversations.setScope(sessionId, filed);
  }
  if (filed !== null) {
    if (requested !== undefined && requested !== filed) {
      throw new ApiError('CONFLICT', `This chat is in the scope "${filed}"; start a new chat to talk in "${requested}".`);
    }
    return filed;
  }
  const scope = requested ?? DEFAULT_SCOPE;
  await parts.conversations.setScope(sessionId, scope);
  return scope;
}

/** The scope a listed conversation is in (`personal` for one from before scopes). */
export function filedScope(conversations: ConversationLog, sessionId: string): string {
  return conversations.session(sessionId)?.scope ?? DEFAULT_SCOPE;
}
