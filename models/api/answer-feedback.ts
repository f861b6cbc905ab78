import type { ConversationLog } from '../memory/conversation-log.js';
import type { FeedbackLog } from '../memory/feedback-log.js';
import type { MessageLog } from '../memory/message-log.js';
import type { AnswerFeedbackView } from '../contract/learning-schemas.js';
import { ApiError } from '../contract/api-error.js';
import type { ParsedInput } from '../contract/routes.js';

/**
 * The user's signal about an assistant reply (`chat.feedback`): thumbs up
 * (+1), thumbs down (−1), or a corrected answer (−1, with the correction),
 * recorded as feedback for the Answer Agent's learning. Only while learning
 * is on: the user opted in to exactly this being kept.
 */
export async function recordAnswerFeedback(
  parts: { messages: MessageLog; feedback: FeedbackLog; conversations: ConversationLog; learning: boolean },
  input: ParsedInput<'chat.feedback'>,
): Promise<AnswerFeedbackView> {
  if (!parts.learning) {
    throw new ApiError('CONFLICT', 'Learning is off, so feedback on replies is not kept. Turn learning on first, in the Learning screen.');
  }
  const message = await parts.messages.get(input.message_id);
  if (message?.role !== 'assistant') throw new ApiError('NOT_FOUND', `no assistant reply with id ${input.message_id}`);
  const value = input.kind === 'answer_up' ? 1 : -1;
  const payload = input.kind === 'answer_corrected' ? { correction: input.correction } : null;
  const signal = await parts.feedback.record({ kind: input.kind, target_id: message.id, value, payload });
  // Shown under the reply again after a reload.
  await parts.conversations.noteFeedback(message.id, input.kind, input.kind === 'answer_corrected' ? input.correction : null);
  return { id: signal.id, message_id: message.id, kind: input.kind, value };
}
