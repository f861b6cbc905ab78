import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import type { ChatEvent, OperationView } from '../../models/contract/schemas.js';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { FeedbackLog } from '../../models/memory/feedback-log.js';
import { MemoryStore } from '../../models/memory/store.js';
import { call, SCRIPTED_REPLY, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function openAssistant(profileDir = tempDir()) {
  return Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
}

async function chat(assistant: Assistant, text: string, session_id?: string): Promise<ChatEvent[]> {
  return (await streamEvents(assistant, 'chat.send', { text, ...(session_id ? { session_id } : {}) })) as ChatEvent[];
}

function eventOf<T extends ChatEvent['type']>(events: ChatEvent[], type: T): Extract<ChatEvent, { type: T }> {
  const event = events.find((e) => e.type === type);
  if (!event) throw new Error(`no ${type} event in ${JSON.stringify(events)}`);
  return event as Extract<ChatEvent, { type: T }>;
}

async function feedbackRows(profileDir: string) {
  const store = await MemoryStore.open({ uri: join(profileDir, 'memory'), readOnly: true });
  try {
    return await new FeedbackLog(store.tables.feedback).all();
  } finally {
    await store.close();
  }
}

describe('a chat turn through the Assistant (real store, real embedder, scripted chat model)', () => {
  it('streams memories, tokens, done, then the operations the Memory Manager applied for that turn', async () => {
    const assistant = await openAssistant();
    const events = await chat(assistant, 'Hi! I just moved to Lisbon with my family.');
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('memories');
    expect(types.at(-2)).toBe('done');
    expect(types.at(-1)).toBe('operations');
    expect(types.slice(1, -2).every((t) => t === 'token')).toBe(true);
    expect(types.filter((t) => t === 'token').length).toBeGreaterThan(3);

    const memories = eventOf(events, 'memories');
    const done = eventOf(events, 'done');
    const operations = eventOf(events, 'operations');
    expect(memories.memories).toEqual([]); // nothing remembered yet
    expect(done.turn_id).toBe(memories.turn_id);
    expect(operations.turn_id).toBe(memories.turn_id);
    const tokens = events.flatMap((e) => (e.type === 'token' ? [e.text] : [])).join('');
    expect(tokens.trim()).toBe(SCRIPTED_REPLY);
    expect(done.reply).toBe(SCRIPTED_REPLY);

    // Telling a fact: an ADD journaled with the turn's id, about the user, sourced from the user's message.
    const history = await call(assistant, 'chat.history', {});
    expect(history.messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'Hi! I just moved to Lisbon with my family.'],
      ['assistant', SCRIPTED_REPLY],
    ]);
    expect(history.messages[1]!.id).toBe(done.message_id);
    expect(history.messages.every((m) => m.turn_id === done.turn_id)).toBe(true);
    expect(operations.operations).toHaveLength(1);
    expect(operations.operations[0]).toMatchObject({
      kind: 'ADD',
      turn_id: done.turn_id,
      status: 'applied',
      origin: 'manager@prior',
      after: { text: 'The user lives in Lisbon.', subject: 'user', sources: [history.messages[0]!.id] },
    });
    expect(operations.operations[0]!.after).not.toHaveProperty('vector');
    expect(await call(assistant, 'ops.list', { turn_id: done.turn_id })).toEqual({ items: operations.operations });

    // The next turn's reply uses what was remembered.
    const next = await chat(assistant, 'What do you know about where I live?', history.session_id);
    expect(eventOf(next, 'memories').memories.map((m) => m.text)).toContain('The user lives in Lisbon.');
    expect((await call(assistant, 'chat.history', { session_id: history.session_id })).messages).toHaveLength(4);
    await assistant.close();
  });

  it("answers from a prompt that holds the kept memories and the session's last messages, not the dropped candidates", async () => {
    const prompts: ChatMessage[][] = [];
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder(), chatModel: scriptedAssistantModel(prompts) });
    for (let i = 0; i < 8; i++) await call(assistant, 'memory.add', { text: `The user's colleague number ${i} likes chess.` });
    await call(assistant, 'memory.add', { text: 'The user has a dog called Rex.' });
    const first = await chat(assistant, 'Hello, remember my dog?');
    const sessionId = (await call(assistant, 'chat.history', {})).session_id;
    prompts.length = 0;
    const second = await chat(assistant, 'What is the name of my dog?', sessionId);

    const kept = eventOf(second, 'memories').memories.map((m) => m.text);
    expect(kept).toContain('The user has a dog called Rex.');
    expect(kept.length).toBeLessThan(9); // distilled: the policy kept some of the candidates
    const reply = prompts.find((p) => p[0]!.content.includes('long-term memory of the user'))!;
    expect(reply.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(reply.slice(1).map((m) => m.content)).toEqual(['Hello, remember my dog?', eventOf(first, 'done').reply, 'What is the name of my dog?']);
    for (const text of kept) expect(reply[0]!.content).toContain(JSON.stringify(text));
    const all = (await call(assistant, 'memory.list', {})).items.map((m) => m.text);
    for (const text of all.filter((t) => !kept.includes(t))) expect(reply[0]!.content).not.toContain(text);
    await assistant.close();
  });

  it('refuses with NO_CHAT_MODEL, saying where to pick one, when no chat model is configured', async () => {
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder() });
    const events = await streamEvents(assistant, 'chat.send', { text: 'Hello?' });
    expect(events).toEqual([
      { type: 'memories', turn_id: expect.any(String), memories: [] },
      { type: 'error', code: 'NO_CHAT_MODEL', message: expect.stringMatching(/Settings/) },
    ]);
    expect((await call(assistant, 'models.status', {})).chat).toEqual({ spec: null, ready: false, last_call: null });
    // What the user wrote is kept: it waits in the chat, with the reason no reply came.
    expect((await call(assistant, 'chat.history', {})).messages.map((m) => [m.role, m.text, m.error?.code])).toEqual([
      ['user', 'Hello?', undefined],
      ['assistant', '', 'NO_CHAT_MODEL'],
    ]);
    await assistant.close();
  });
});

describe("reviewing the Memory Manager's operations", () => {
  /** Two turns: an ADD (Lisbon), then an UPDATE of it (Porto), and a second ADD (the dog). Learning is on, so reviews are kept as feedback. */
  async function reviewedProfile() {
    const profileDir = tempDir();
    const assistant = await openAssistant(profileDir);
    await call(assistant, 'training.configure', { enabled: true });
    const ops = async (text: string) => eventOf(await chat(assistant, text), 'operations').operations;
    const [lisbon] = await ops('I moved to Lisbon last spring.');
    const [porto] = await ops('These days I live in Porto, actually.');
    const [rex] = await ops('I have a dog called Rex.');
    return { profileDir, assistant, lisbon: lisbon!, porto: porto!, rex: rex! };
  }

  it('reject reverts the operation (an UPDATE restores the previous memory), accept marks it; both are recorded as feedback', async () => {
    const { profileDir, assistant, lisbon, porto, rex } = await reviewedProfile();
    expect(porto).toMatchObject({ kind: 'UPDATE', memory_id: lisbon.memory_id, before: { text: 'The user lives in Lisbon.' }, after: { text: 'The user lives in Porto.' } });

    const rejected = await call(assistant, 'ops.reject', { op_id: porto.op_id });
    expect(rejected).toMatchObject({ op_id: porto.op_id, status: 'rejected' });
    expect(await call(assistant, 'memory.get', { id: lisbon.memory_id! })).toMatchObject({ text: 'The user lives in Lisbon.', version: lisbon.after!.version });
    const journal = (await call(assistant, 'memory.history', { id: lisbon.memory_id! })).items;
    expect(journal.map((op) => [op.kind, op.status])).toEqual([
      ['ADD', 'applied'],
      ['UPDATE', 'rejected'],
      ['UPDATE', 'applied'], // the revert, journaled like any change
    ]);
    expect(journal[2]!.undoes).toBe(porto.op_id);

    expect(await call(assistant, 'ops.accept', { op_id: rex.op_id })).toMatchObject({ status: 'accepted' });
    expect((await call(assistant, 'ops.list', { status: 'accepted' })).items.map((op) => op.op_id)).toEqual([rex.op_id]);
    // A rejected operation cannot be accepted afterwards.
    expect(await assistant.dispatch('ops.accept', { op_id: porto.op_id })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    await assistant.close();

    const feedback = await feedbackRows(profileDir);
    expect(feedback.map((f) => [f.kind, f.target_id, f.value])).toEqual([
      ['op_rejected', porto.op_id, -1],
      ['op_accepted', rex.op_id, 1],
    ]);
  });

  it('edit rewrites the memory the operation produced, marks it edited and records the edit as feedback', async () => {
    const { profileDir, assistant, rex, porto } = await reviewedProfile();
    const edited = await call(assistant, 'ops.edit', { op_id: rex.op_id, text: 'The user has a beagle called Rex.' });
    expect(edited).toMatchObject({ op_id: rex.op_id, kind: 'ADD', status: 'edited' });
    expect(await call(assistant, 'memory.get', { id: rex.memory_id! })).toMatchObject({ text: 'The user has a beagle called Rex.', version: 2 });
    const [editOp] = (await call(assistant, 'ops.list', { turn_id: rex.turn_id!, status: 'applied' })).items;
    expect(editOp).toMatchObject({ kind: 'UPDATE', origin: 'user', turn_id: rex.turn_id, after: { text: 'The user has a beagle called Rex.' } });

    // Reject the edited ADD: the memory goes away, as if the manager had never added it.
    await call(assistant, 'ops.reject', { op_id: editOp!.op_id });
    await call(assistant, 'ops.reject', { op_id: rex.op_id });
    expect(await assistant.dispatch('memory.get', { id: rex.memory_id! })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // An operation no longer in effect cannot be edited.
    expect(await assistant.dispatch('ops.edit', { op_id: rex.op_id, text: 'x' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await call(assistant, 'ops.edit', { op_id: porto.op_id, text: 'The user lives in Porto, Portugal.' })).toMatchObject({ status: 'edited' });
    await assistant.close();

    const feedback = await feedbackRows(profileDir);
    expect(feedback[0]).toMatchObject({
      kind: 'op_edited',
      target_id: rex.op_id,
      value: 0,
      payload: { text: 'The user has a beagle called Rex.', previous: 'The user has a dog called Rex.', edit_op_id: editOp!.op_id },
    });
    expect(feedback.map((f) => f.kind)).toEqual(['op_edited', 'op_rejected', 'op_rejected', 'op_edited']);
  });

  it('rejecting a NOOP only marks it: it changed nothing', async () => {
    const assistant = await openAssistant();
    await chat(assistant, 'I have a dog called Rex.');
    const [noop] = eventOf(await chat(assistant, 'I have a dog called Rex, did I say?'), 'operations').operations as OperationView[];
    expect(noop).toMatchObject({ kind: 'NOOP', after: { text: 'The user has a dog called Rex.' } });
    expect(await call(assistant, 'ops.reject', { op_id: noop!.op_id })).toMatchObject({ status: 'rejected' });
    expect((await call(assistant, 'memory.list', {})).items.map((m) => m.text)).toEqual(['The user has a dog called Rex.']);
    await assistant.close();
  });
});
