import type { Dispatch } from '../../models/api/dispatch.js';
import type { RouteInput, RouteOutput, StreamRouteName, UnaryRouteName } from '../../models/contract/routes.js';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { ScriptedChatModel } from '../../models/llm/scripted-model.js';

/** The scripted chat reply (word tokens: several token events). */
export const SCRIPTED_REPLY = 'Thanks for telling me, I will keep that in mind.';

/** What the scripted user says, and the fact the scripted extraction finds in it. */
export const FACTS: ReadonlyArray<{ says: RegExp; fact: string }> = [
  { says: /moved to Lisbon/, fact: 'The user lives in Lisbon.' },
  { says: /live in Porto/, fact: 'The user lives in Porto.' },
  { says: /dog called Rex/, fact: 'The user has a dog called Rex.' },
];

/** The last user message's text. */
export const lastUser = (messages: readonly ChatMessage[]) => messages.findLast((m) => m.role === 'user')?.content ?? '';

/**
 * A fake OpenAI-compatible server's model (`startOpenAiChatServer`'s `reply`): the agents' prompts answered
 * by the scripted rules (fact extraction finds FACTS, every update decision is ADD), any chat with `chatReply`.
 */
export function upstreamAgentReply(chatReply: string): (messages: ChatMessage[]) => string {
  return (messages) => {
    const said = lastUser(messages);
    if (said.includes('<conversation>')) return JSON.stringify({ facts: FACTS.filter((f) => f.says.test(said)).map((f) => f.fact) });
    if (said.includes('<fact>')) return 'ADD';
    return chatReply;
  };
}

/**
 * The operations journaled with an origin starting `origin`, once a Memory Manager run after a reply (the proxy's)
 * has applied them: a journal entry is `pending` from its append until its change is committed, and a poll can land between.
 */
export async function operationsFrom(assistant: { dispatch: Dispatch }, origin: string, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ops = (await call(assistant, 'ops.list', {})).items.filter((op) => op.origin.startsWith(origin));
    if ((ops.length && ops.every((op) => op.status !== 'pending')) || Date.now() > until) return ops;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The agents' prompts answered by rules: fact extraction finds the facts
 * above; the update decision is NONE for a fact already remembered, UPDATE of
 * memory "0" when the fact is where the user lives and a memory already says
 * where, else ADD; a chat reply is `SCRIPTED_REPLY`. Every prompt is added
 * to `prompts` when given.
 */
export function scriptedAssistantModel(prompts?: ChatMessage[][]): ScriptedChatModel {
  return new ScriptedChatModel(
    [
      { when: (messages) => (prompts?.push([...messages]), false), reply: '' },
      {
        when: (messages) => lastUser(messages).includes('<conversation>'),
        reply: (messages) => JSON.stringify({ facts: FACTS.filter((f) => f.says.test(lastUser(messages))).map((f) => f.fact) }),
      },
      {
        when: (messages) => lastUser(messages).includes('<fact>'),
        reply: (messages) => {
          const [memories = '', fact = ''] = lastUser(messages).split('<fact>');
          const known = FACTS.find((f) => fact.includes(f.fact) && memories.includes(f.fact));
          if (known) return 'NONE';
          if (/lives in/.test(fact) && /lives in/.test(memories)) return JSON.stringify({ event: 'UPDATE', id: '0', text: FACTS.find((f) => fact.includes(f.fact))?.fact });
          return 'ADD';
        },
      },
    ],
    SCRIPTED_REPLY,
    'assistant',
  );
}

/** A unary route through the dispatcher; a refusal throws with its code in the message. */
export async function call<R extends UnaryRouteName>(assistant: { dispatch: Dispatch }, route: R, input: RouteInput<R>): Promise<RouteOutput<R>> {
  const result = await assistant.dispatch(route, input);
  if (!result.ok) throw new Error(`${route} refused: [${result.error.code}] ${result.error.message}`);
  return result.output as RouteOutput<R>;
}

/** A stream route through the dispatcher: all its events. */
export async function streamEvents(assistant: { dispatch: Dispatch }, route: StreamRouteName, input: unknown): Promise<Array<Record<string, unknown> & { type: string }>> {
  const events: Array<Record<string, unknown> & { type: string }> = [];
  const result = await assistant.dispatch(route, input, (event) => events.push(event as (typeof events)[number]));
  if (!result.ok) throw new Error(`${route} refused: [${result.error.code}] ${result.error.message}`);
  return events;
}
