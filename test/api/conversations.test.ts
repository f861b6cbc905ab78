import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import type { ChatEvent } from '../../models/contract/schemas.js';
import { ChatModelError, type ChatMessage, type ChatModel, type SamplingOptions, type TokenChunk } from '../../models/llm/chat-model.js';
import { call, SCRIPTED_REPLY, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

/**
 * The scripted model, with a switch that makes chat replies fail after two
 * words the way a server that goes away does (the agents' prompts still work).
 */
function flakyModel(): ChatModel & { down: boolean; slow: boolean } {
  const inner = scriptedAssistantModel();
  return {
    info: inner.info,
    down: false,
    /** 50 ms a word: slow enough to press Stop mid-reply. */
    slow: false,
    async *stream(messages: readonly ChatMessage[], options?: SamplingOptions): AsyncIterable<TokenChunk> {
      let words = 0;
      for await (const chunk of inner.stream(messages, options)) {
        if (this.down && words === 2) throw new ChatModelError('UNREACHABLE', 'The model server at http://127.0.0.1:9 stopped answering. Is it still running?');
        if (this.slow) await sleep(50);
        words++;
        yield chunk;
      }
    },
    generate: (messages, options) => inner.generate(messages, options),
    dispose: () => inner.dispose(),
  };
}

const chat = async (assistant: Assistant, text: string, extra: Record<string, unknown> = {}) => (await streamEvents(assistant, 'chat.send', { text, ...extra })) as ChatEvent[];

describe('conversations (real store, real embedder, scripted chat model)', () => {
  it('lists chats newest first, titled from their first message; rename, delete with undo, and search across chats', async () => {
    const profileDir = tempDir();
    let assistant = await Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
    try {
      await chat(assistant, 'I moved to Lisbon last spring.', { session_id: 'chat-a' });
      await chat(assistant, 'I have a dog called Rex and he loves the beach every single morning.', { session_id: 'chat-b' });
      await chat(assistant, 'Anything else?', { session_id: 'chat-a' });
      const list = (await call(assistant, 'chat.sessions', {})).items;
      expect(list.map((s) => [s.session_id, s.title, s.messages])).toEqual([
        ['chat-a', 'I moved to Lisbon last spring.', 4],
        ['chat-b', 'I have a dog called Rex and he loves the beach…', 2],
      ]);

      expect(await call(assistant, 'chat.rename', { session_id: 'chat-b', title: '  Rex  ' })).toMatchObject({ title: 'Rex' });
      expect((await call(assistant, 'chat.sessions', { query: 'LISBON' })).items.map((s) => s.session_id)).toEqual(['chat-a']);
      expect((await call(assistant, 'chat.sessions', { query: 'rex' })).items.map((s) => s.session_id)).toEqual(['chat-b']);
      expect((await call(assistant, 'chat.sessions', { query: 'zebra' })).items).toEqual([]);

      await call(assistant, 'chat.delete', { session_id: 'chat-a' });
      expect((await call(assistant, 'chat.sessions', {})).items.map((s) => s.session_id)).toEqual(['chat-b']);
      // Without a session, the history opens the newest chat that was not deleted.
      expect((await call(assistant, 'chat.history', {})).session_id).toBe('chat-b');
      await call(assistant, 'chat.delete', { session_id: 'chat-a', deleted: false });

      // All of it survives a restart, even a crash that tore the log's last line.
      await assistant.close();
      appendFileSync(join(profileDir, 'conversations.jsonl'), '{"type":"title","at":"2026-');
      assistant = await Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
      expect((await call(assistant, 'chat.sessions', {})).items.map((s) => [s.session_id, s.title])).toEqual([
        ['chat-a', 'I moved to Lisbon last spring.'],
        ['chat-b', 'Rex'],
      ]);
      expect(await assistant.dispatch('chat.rename', { session_id: 'nope', title: 'x' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      // What is written after the torn line counts too.
      await call(assistant, 'chat.rename', { session_id: 'chat-a', title: 'Lisbon' });
      await assistant.close();
      assistant = await Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
      expect((await call(assistant, 'chat.sessions', {})).items.map((s) => s.title)).toEqual(['Lisbon', 'Rex']);
    } finally {
      await assistant.close();
    }
  });

  it('a reload restores a reply that failed mid-stream with its error and partial text, the memories used, and the feedback given', async () => {
    const profileDir = tempDir();
    const model = flakyModel();
    let assistant = await Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: model });
    try {
      await call(assistant, 'training.configure', { enabled: true });
      await chat(assistant, 'I moved to Lisbon last spring.', { session_id: 's' });
      const answered = await chat(assistant, 'Where did I move?', { session_id: 's' });
      const done = answered.find((e) => e.type === 'done')!;
      expect(answered.find((e) => e.type === 'memories')).toMatchObject({ memories: [{ text: 'The user lives in Lisbon.' }] });
      await call(assistant, 'chat.feedback', { message_id: done.message_id, kind: 'answer_up' });
      expect((await call(assistant, 'models.status', {})).chat.last_call).toMatchObject({ ok: true });

      model.down = true;
      const failed = await chat(assistant, 'And where do I work?', { session_id: 's' });
      expect(failed.at(-1)).toMatchObject({ type: 'error', code: 'MODEL_UNAVAILABLE' });
      expect((await call(assistant, 'models.status', {})).chat.last_call).toMatchObject({ ok: false, error: expect.stringContaining('stopped answering') });

      await assistant.close();
      assistant = await Assistant.open({ profileDir, embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
      const history = await call(assistant, 'chat.history', {});
      expect(history.session_id).toBe('s');
      const partial = SCRIPTED_REPLY.split(' ').slice(0, 2).join(' ');
      expect(history.messages.map((m) => [m.role, m.text, m.outcome ?? null])).toEqual([
        ['user', 'I moved to Lisbon last spring.', null],
        ['assistant', SCRIPTED_REPLY, 'done'],
        ['user', 'Where did I move?', null],
        ['assistant', SCRIPTED_REPLY, 'done'],
        ['user', 'And where do I work?', null],
        ['assistant', partial, 'failed'],
      ]);
      // A memory's source leads back to the chat and message it came from.
      const [memory] = (await call(assistant, 'memory.list', {})).items;
      expect(await call(assistant, 'chat.locate', { message_id: memory!.sources[0]! })).toEqual({ session_id: 's', message_id: history.messages[0]!.id });
      expect(await assistant.dispatch('chat.locate', { message_id: 'dia-1' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(history.messages[3]).toMatchObject({ memories: [{ text: 'The user lives in Lisbon.' }], feedback: { kind: 'answer_up', correction: null } });
      expect(history.messages[5]!.error).toEqual({ code: 'MODEL_UNAVAILABLE', message: 'The model server at http://127.0.0.1:9 stopped answering. Is it still running?' });
      // The failed turn's message reached no memory manager: nothing was learned from a turn that failed.
      expect((await call(assistant, 'memory.list', {})).total).toBe(1);
    } finally {
      await assistant.close();
    }
  });

  it('Stop ends the reply with what had arrived, stored as stopped; the memory manager still reads the message', async () => {
    const model = flakyModel();
    model.slow = true;
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder(), chatModel: model });
    try {
      const events: ChatEvent[] = [];
      let stopped: Promise<unknown> | undefined;
      const result = await assistant.dispatch('chat.send', { text: 'I moved to Lisbon last spring.', session_id: 's' }, (event) => {
        const e = event as ChatEvent;
        events.push(e);
        const turnId = (events[0] as Extract<ChatEvent, { type: 'memories' }>).turn_id;
        if (e.type === 'token' && !stopped) stopped = call(assistant, 'chat.stop', { turn_id: turnId });
      });
      expect(result.ok).toBe(true);
      expect(await stopped).toEqual({ stopped: true });
      const done = events.find((e) => e.type === 'done');
      expect(done).toMatchObject({ outcome: 'stopped' });
      expect(done!.reply.split(' ').length).toBeLessThan(SCRIPTED_REPLY.split(' ').length);
      expect(events.at(-1)).toMatchObject({ type: 'operations', operations: [{ kind: 'ADD', after: { text: 'The user lives in Lisbon.' } }] });
      const history = await call(assistant, 'chat.history', { session_id: 's' });
      expect(history.messages[1]).toMatchObject({ role: 'assistant', text: done!.reply, outcome: 'stopped', error: null });
      expect(await call(assistant, 'chat.stop', { turn_id: 'over' })).toEqual({ stopped: false });
    } finally {
      await assistant.close();
    }
  });

  it('a temporary chat reads and writes no memory and stores no message', async () => {
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder(), chatModel: scriptedAssistantModel() });
    try {
      await chat(assistant, 'I moved to Lisbon last spring.', { session_id: 'kept' });
      const events = await chat(assistant, 'I have a dog called Rex.', { session_id: 'temp', temporary: true });
      expect(events.find((e) => e.type === 'memories')).toMatchObject({ memories: [] });
      expect(events.at(-1)).toMatchObject({ type: 'operations', operations: [] });
      expect((await call(assistant, 'memory.list', {})).items.map((m) => m.text)).toEqual(['The user lives in Lisbon.']);
      expect((await call(assistant, 'chat.sessions', {})).items.map((s) => s.session_id)).toEqual(['kept']);
      expect((await call(assistant, 'chat.history', { session_id: 'temp' })).messages).toEqual([]);
    } finally {
      await assistant.close();
    }
  });
});
