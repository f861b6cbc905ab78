import { randomUUID } from 'node:crypto';
import { AnswerAgent } from '../agents/answer-agent.js';
import type { Embedder } from '../embed/embedder.js';
import type { EpisodeRecorder } from '../learning/episode-recorder.js';
import type { ChatModel } from '../llm/chat-model.js';
import type { MessageLog, MessageRecord } from '../memory/message-log.js';
import type { ConversationLog, ReplyOutcome } from '../memory/conversation-log.js';
import { operationView, withoutVector, type MemoryRecord } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import type { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import type { CategoricalPolicy } from '../rl/categorical-policy.js';
import type { SerialQueue } from '../util/serial-queue.js';
import { toApiError } from '../contract/api-error.js';
import { chatPrompt } from './chat-prompt.js';
import { conversationScope } from './conversation-scope.js';
import { ingestMessage } from './manager-ingest.js';
import type { PolicySlot } from '../agents/policy-slot.js';
import type { RecentMessages } from './recent-messages.js';
import type { RouteEvent } from '../contract/routes.js';

/** What a chat turn works with; the Assistant owns all of it. */
export interface ChatTurnParts {
  store: MemoryStore;
  embedder: Embedder;
  messages: MessageLog;
  recent: RecentMessages;
  /** The agents' policies in use: the updater may replace them between turns. */
  answerPolicy: PolicySlot<BernoulliPolicy>;
  managerPolicy: PolicySlot<CategoricalPolicy>;
  /** Keeps what the policies saw and chose, for learning (only while the user has it on). */
  recorder: EpisodeRecorder;
  /** Memory Manager runs, one at a time: each decision depends on the memories the previous one left. */
  ingests: SerialQueue;
  /** The user's choices for replies, read at each turn (Settings may change them between turns). */
  reply: () => { temperature: number; instructions: string };
  /** Titles, deletions, and how each reply ended with the memories it used. */
  conversations: ConversationLog;
  /** Set when the app is shutting down: a turn then ends without its Memory Manager run. */
  closing: AbortSignal;
}

/** The longest reply, in tokens. */
const MAX_REPLY_TOKENS = 512;

export interface ChatTurnInput {
  text: string;
  session_id?: string | undefined;
  /** "Don't remember this": no memory is read or written, and the messages are not stored. */
  temporary?: boolean | undefined;
  /** A new conversation's scope (see `conversationScope`). */
  scope?: string | undefined;
}

/**
 * One chat turn (DESIGN §4.1). The Answer Agent retrieves 60 candidates and
 * distils them; the reply streams from a prompt that holds only the kept
 * memories and the session's last messages; then the Memory Manager decides
 * what the user's message changes in memory. The user's message is written
 * as the turn starts (not awaited before the first token), so it is kept even
 * when no reply comes. A reply that fails or is stopped is stored with what
 * had arrived, and the conversation log notes how it ended, with the error and
 * the memories used: a reload shows the turn as it was. The manager runs
 * after the reply (off its critical path) and even when the client left, but
 * not after a failed reply (its model is the one that just failed). `signal`
 * stops the reply's generation. With learning on, each policy's choice is
 * recorded as an episode once its target exists.
 */
export async function runChatTurn(
  parts: ChatTurnParts,
  model: () => Promise<ChatModel>,
  input: ChatTurnInput,
  emit: (event: RouteEvent<'chat.send'>) => void,
  signal: AbortSignal,
  turnId: string = randomUUID(),
): Promise<void> {
  const { store, embedder, messages, recent } = parts;
  const sessionId = input.session_id ?? randomUUID();
  const keep = !input.temporary;
  const scope = keep ? await conversationScope(parts, sessionId, input.scope) : undefined;
  const log = (role: 'user' | 'assistant', text: string): Promise<MessageRecord> =>
    keep ? messages.append({ session_id: sessionId, turn_id: turnId, role, text }) : Promise.resolve(unstoredMessage(sessionId, turnId, role, text));
  const userLogged = log('user', input.text);
  userLogged.catch(() => undefined); // awaited below: a failure surfaces there, not as an unhandled rejection

  let kept: MemoryRecord[] = [];
  let answerEpisode: ((messageId: string, turnId: string) => Promise<void>) | undefined;
  let reply = '';
  let failure: unknown;
  try {
    const history = await recent.get(sessionId);
    if (scope !== undefined) {
      ({ kept, answerEpisode } = await parts.answerPolicy.use(async ({ policy, version }) => {
        const result = await new AnswerAgent({ store, embedder, policy, scope }).distil(input.text);
        return { kept: result.kept, answerEpisode: parts.recorder.answer(result, policy, version) };
      }));
    }
    emit({ type: 'memories', turn_id: turnId, memories: kept.map(withoutVector) });
    const llm = await model();
    const { temperature, instructions } = parts.reply();
    for await (const chunk of llm.stream(chatPrompt(input.text, kept, history, instructions), { maxTokens: MAX_REPLY_TOKENS, temperature, signal })) {
      reply += chunk.text;
      emit({ type: 'token', text: chunk.text });
    }
  } catch (error) {
    if (!signal.aborted) failure = error;
  }
  reply = reply.trim();
  const outcome: ReplyOutcome = failure !== undefined ? 'failed' : signal.aborted ? 'stopped' : 'done';
  const userMessage = await userLogged;
  recent.add(userMessage);
  const assistantMessage = await log('assistant', reply);
  recent.add(assistantMessage);
  if (keep) {
    const error = failure === undefined ? null : toApiError(failure);
    await parts.conversations.noteTurn({ session_id: sessionId, turn_id: turnId, memory_ids: kept.map((m) => m.id), outcome, error });
  }
  if (failure !== undefined) throw failure;
  emit({ type: 'done', turn_id: turnId, message_id: assistantMessage.id, reply, outcome: outcome === 'stopped' ? 'stopped' : 'done' });
  if (keep) await answerEpisode?.(assistantMessage.id, turnId);

  if (parts.closing.aborted || scope === undefined) {
    emit({ type: 'operations', turn_id: turnId, operations: [] });
    return;
  }
  const decisions = await ingestMessage(parts, await model(), { subject: 'user', text: input.text, time: userMessage.at, sources: [userMessage.id], turnId }, { scope });
  emit({ type: 'operations', turn_id: turnId, operations: decisions.map((d) => operationView(d.op)) });
}

/** A temporary chat's message: never written, kept only as the next turn's context. */
function unstoredMessage(sessionId: string, turnId: string, role: 'user' | 'assistant', text: string): MessageRecord {
  return { id: randomUUID(), session_id: sessionId, turn_id: turnId, role, text, at: new Date().toISOString() };
}
