import { randomUUID } from 'node:crypto';
import { AnswerAgent } from '../agents/answer-agent.js';
import { MemoryManager } from '../agents/memory-manager.js';
import type { Embedder } from '../embed/embedder.js';
import type { EpisodeRecorder } from '../learning/episode-recorder.js';
import type { ChatModel } from '../llm/chat-model.js';
import type { MessageLog, MessageRecord } from '../memory/message-log.js';
import { operationView, withoutVector } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import type { BernoulliPolicy } from '../rl/bernoulli-policy.js';
import type { CategoricalPolicy } from '../rl/categorical-policy.js';
import type { SerialQueue } from '../util/serial-queue.js';
import { chatPrompt } from './chat-prompt.js';
import type { PolicySlot } from './policy-slot.js';
import type { RecentMessages } from './recent-messages.js';
import type { RouteEvent } from './routes.js';

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
  /** Set when the app is shutting down: a turn then ends without its Memory Manager run. */
  closing: AbortSignal;
}

/** The longest reply, in tokens. */
const MAX_REPLY_TOKENS = 512;

/**
 * One chat turn (DESIGN §4.1). The Answer Agent retrieves 60 candidates and
 * distils them; the reply streams from a prompt that holds only the kept
 * memories and the session's last messages; the user's message is logged as
 * soon as the reply has started (a write the first token need not wait for);
 * then the Memory Manager decides what the user's message changes in memory.
 * The manager runs after the reply (off its critical path) and even when the
 * client left: what the user said is remembered either way. `signal` stops
 * the reply's generation. With learning on, each policy's choice is recorded
 * as an episode once its target exists (the reply's message, each operation).
 */
export async function runChatTurn(
  parts: ChatTurnParts,
  llm: ChatModel,
  input: { text: string; session_id?: string | undefined },
  emit: (event: RouteEvent<'chat.send'>) => void,
  signal: AbortSignal,
): Promise<void> {
  const { store, embedder, messages, recent } = parts;
  const sessionId = input.session_id ?? randomUUID();
  const turnId = randomUUID();
  const history = await recent.get(sessionId);
  const { distilled, answerEpisode } = await parts.answerPolicy.use(async ({ policy, version }) => {
    const result = await new AnswerAgent({ store, embedder, policy }).distil(input.text);
    return { distilled: result, answerEpisode: parts.recorder.answer(result, policy, version) };
  });
  emit({ type: 'memories', turn_id: turnId, memories: distilled.kept.map(withoutVector) });

  let userLogged: Promise<MessageRecord> | undefined;
  const logUserMessage = () => {
    if (!userLogged) {
      userLogged = messages.append({ session_id: sessionId, turn_id: turnId, role: 'user', text: input.text });
      userLogged.catch(() => undefined); // awaited below: a failure surfaces there, not as an unhandled rejection
    }
    return userLogged;
  };
  let reply = '';
  for await (const chunk of llm.stream(chatPrompt(input.text, distilled.kept, history), { maxTokens: MAX_REPLY_TOKENS, signal })) {
    reply += chunk.text;
    emit({ type: 'token', text: chunk.text });
    void logUserMessage();
  }
  reply = reply.trim();
  const userMessage = await logUserMessage();
  recent.add(userMessage);
  if (reply || !signal.aborted) {
    const assistantMessage = await messages.append({ session_id: sessionId, turn_id: turnId, role: 'assistant', text: reply });
    recent.add(assistantMessage);
    emit({ type: 'done', turn_id: turnId, message_id: assistantMessage.id, reply });
    await answerEpisode(assistantMessage.id, turnId);
  }

  if (parts.closing.aborted) return;
  const decisions = await parts.ingests.run(() =>
    parts.managerPolicy.use(async ({ policy, version }) => {
      const manager = new MemoryManager({ store, embedder, llm, policy, policyVersion: version });
      const applied = await manager.ingest({ subject: 'user', text: input.text, time: userMessage.at, sources: [userMessage.id], turnId });
      await parts.recorder.manager(applied, policy, version, turnId);
      return applied;
    }),
  );
  emit({ type: 'operations', turn_id: turnId, operations: decisions.map((d) => operationView(d.op)) });
}
