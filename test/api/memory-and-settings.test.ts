import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { ScriptedChatModel } from '../../models/llm/scripted-model.js';
import { call, SCRIPTED_REPLY, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { startOpenAiChatServer } from '../helpers/openai-chat-server.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function openAssistant(profileDir = tempDir()) {
  return Assistant.open({ profileDir, embedder: await realEmbedder() });
}

describe('memory routes through the Assistant', () => {
  it('add, get, list, search, edit, history, undo and delete, each journaled', async () => {
    const assistant = await openAssistant();
    const added = await call(assistant, 'memory.add', { text: 'The user is allergic to peanuts.', event_time: '2024-03-01' });
    expect(added).toMatchObject({ kind: 'ADD', origin: 'user', status: 'applied', after: { subject: 'user', event_time: '2024-03-01T00:00:00.000Z' } });
    const id = added.memory_id!;
    await call(assistant, 'memory.add', { text: 'Ana is the user’s sister.', subject: 'Ana' });
    expect(await call(assistant, 'memory.get', { id })).toEqual(added.after);

    const page = await call(assistant, 'memory.list', { subject: 'user' });
    expect(page).toEqual({ total: 1, items: [added.after] });
    expect((await call(assistant, 'memory.list', { offset: 1, limit: 1 })).items).toHaveLength(1);
    expect((await call(assistant, 'memory.list', { from: '2024-01-01', to: '2024-12-31' })).items.map((m) => m.id)).toEqual([id]);

    const hits = await call(assistant, 'memory.search', { query: 'What food must the user avoid?' });
    expect(hits.items[0]!.memory.id).toBe(id);
    expect(hits.items[0]!.score).toBeGreaterThan(0);

    const edited = await call(assistant, 'memory.edit', { id, text: 'The user is allergic to peanuts and cashews.' });
    expect(edited).toMatchObject({ kind: 'UPDATE', before: { version: 1 }, after: { version: 2, text: 'The user is allergic to peanuts and cashews.' } });
    const undone = await call(assistant, 'memory.undo', { op_id: edited.op_id });
    expect(undone).toMatchObject({ kind: 'UPDATE', undoes: edited.op_id, after: { text: 'The user is allergic to peanuts.' } });
    expect(await assistant.dispatch('memory.undo', { op_id: edited.op_id })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

    const deleted = await call(assistant, 'memory.delete', { id });
    expect(deleted).toMatchObject({ kind: 'DELETE', after: null });
    expect(await assistant.dispatch('memory.get', { id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining(id) } });
    const history = await call(assistant, 'memory.history', { id });
    expect(history.items.map((op) => `${op.kind}:${op.status}`)).toEqual(['ADD:applied', 'UPDATE:undone', 'UPDATE:applied', 'DELETE:applied']);

    // The store's own checks come back as BAD_INPUT with their reason.
    expect(await assistant.dispatch('memory.edit', { id, text: 'Gone.' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const other = (await call(assistant, 'memory.list', {})).items[0]!.id;
    expect(await assistant.dispatch('memory.edit', { id: other })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(/nothing to change/) } });
    expect(await assistant.dispatch('memory.add', { text: 'bad\u0007bell' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(/control characters/) } });
    expect(await assistant.dispatch('memory.add', { text: 'x', event_time: 'last Tuesday-ish' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await assistant.dispatch('memory.history', { id: '00000000-0000-4000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await assistant.close();
  });

  it('store.health reports each table, its versions kept and the disk used, as memr1 doctor does', async () => {
    const assistant = await openAssistant();
    await call(assistant, 'memory.add', { text: 'The user plays the cello.' });
    const health = await call(assistant, 'store.health', {});
    expect(health).toMatchObject({ status: 'ok', warnings: [], last_restore: null, disk_bytes: expect.any(Number) });
    expect(health.tables.find((t) => t.table === 'memories')).toMatchObject({ readable: true, versions_kept: expect.any(Number) });
    expect(health.tables.map((t) => t.table).sort()).toEqual(['episodes', 'feedback', 'memories', 'messages', 'meta', 'operations']);
    await assistant.close();
  });

  it('exports JSON and Markdown, and a JSON export imports into another profile', async () => {
    const source = await openAssistant();
    await call(source, 'memory.add', { text: 'The user plays the cello.' });
    await call(source, 'memory.add', { text: 'Ana lives in Porto.', subject: 'Ana', event_time: '2023-05-08T13:56:00Z' });
    const json = await call(source, 'memory.export', { format: 'json' });
    expect(json.filename).toMatch(/^memories-\d{4}-\d{2}-\d{2}\.json$/);
    expect(JSON.parse(json.content)).toMatchObject({ format: 'memr1-memories', memories: [{}, {}] });
    const markdown = await call(source, 'memory.export', { format: 'markdown' });
    expect(markdown.filename).toMatch(/\.md$/);
    expect(markdown.content).toContain('## Ana');
    expect(markdown.content).toContain('2023-05-08T13:56:00.000Z: Ana lives in Porto.');
    await source.close();

    const target = await openAssistant();
    expect(await call(target, 'memory.import', { content: json.content })).toEqual({ imported: 2 });
    expect(await call(target, 'memory.import', { content: json.content })).toEqual({ imported: 0 }); // ids already present are skipped
    expect((await call(target, 'memory.list', {})).total).toBe(2);
    expect(await target.dispatch('memory.import', { content: '{"format": "something else"}' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(/not a memr1 JSON export/) } });
    expect(await target.dispatch('memory.import', { content: 'not json' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(/not JSON/) } });
    await target.close();
  });
});

describe('settings and the chat model', () => {
  it('persists settings atomically in <profile>/settings.json and reads them back on the next open', async () => {
    const profileDir = tempDir();
    const assistant = await openAssistant(profileDir);
    expect(await call(assistant, 'settings.get', {})).toEqual({
      chat_model: null,
      embedder: 'use-lite',
      device: 'auto',
      theme: 'system',
      temperature: 0.7,
      system_prompt: '',
      api_key_set: false,
      profile_dir: profileDir,
    });
    expect(await call(assistant, 'settings.update', { theme: 'dark', device: 'cpu' })).toMatchObject({ theme: 'dark', device: 'cpu' });
    expect(JSON.parse(readFileSync(join(profileDir, 'settings.json'), 'utf8'))).toEqual({
      chat_model: null,
      embedder: 'use-lite',
      device: 'cpu',
      theme: 'dark',
      temperature: 0.7,
      system_prompt: '',
      learning: { enabled: false, algo: 'grpo', schedule_minutes: 60, min_new_feedback: 5, keep_versions: 5 },
      mcp_clients: {},
    });
    expect(readdirSync(profileDir).filter((name) => name.includes('.tmp'))).toEqual([]);
    // The profile folder is not a setting; the embedder is fixed by the stored vectors.
    expect(await assistant.dispatch('settings.update', { profile_dir: '/elsewhere' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: expect.stringMatching(/profile_dir/) } });
    expect(await assistant.dispatch('settings.update', { embedder: 'openai:http://127.0.0.1:9/v1#x' })).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: expect.stringMatching(/export/) } });
    await assistant.close();

    // A crash mid-save leaves only a stray temporary file: the saved settings are intact.
    writeFileSync(join(profileDir, 'settings.json.12345.tmp'), '{"theme": "li');
    const reopened = await openAssistant(profileDir);
    expect(await call(reopened, 'settings.get', {})).toMatchObject({ theme: 'dark', device: 'cpu' });
    await reopened.close();

    writeFileSync(join(profileDir, 'settings.json'), '{"theme": "purple"}');
    await expect(openAssistant(profileDir)).rejects.toThrow(/settings\.json is not valid \(theme: /);
  });

  it('selects an OpenAI-compatible server (validated by connecting), chats through it, and refuses one it cannot reach', async () => {
    const model = scriptedAssistantModel();
    const server = await startOpenAiChatServer({ models: ['tiny-chat'], reply: (messages) => model.replyTo(messages) });
    const profileDir = tempDir();
    const assistant = await openAssistant(profileDir);
    try {
      const spec = `openai:${server.baseUrl}#tiny-chat`;
      expect(await call(assistant, 'models.select', { spec })).toMatchObject({ chat_model: spec });
      expect((await call(assistant, 'models.status', {})).chat).toEqual({
        spec,
        ready: true,
        info: { id: 'openai:tiny-chat', backend: 'openai', device: 'remote', deviceReason: expect.any(String) },
        last_call: { ok: true, at: expect.any(String) }, // connecting was a call that worked
      });
      expect((await call(assistant, 'models.list', {})).current).toBe(spec);

      const events = await streamEvents(assistant, 'chat.send', { text: 'I moved to Lisbon in May.' });
      expect(events.find((e) => e.type === 'done')).toMatchObject({ reply: SCRIPTED_REPLY });
      expect(events.at(-1)).toMatchObject({ type: 'operations', operations: [{ kind: 'ADD', after: { text: 'The user lives in Lisbon.' } }] });

      const unreachable = await assistant.dispatch('models.select', { spec: 'openai:http://127.0.0.1:9/v1#nothing' });
      expect(unreachable).toMatchObject({ ok: false, error: { code: 'MODEL_UNAVAILABLE', message: expect.stringMatching(/127\.0\.0\.1:9/) } });
      const unknown = await assistant.dispatch('models.select', { spec: `openai:${server.baseUrl}#no-such-model` });
      expect(unknown).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringMatching(/no-such-model/) } });
      const notDownloaded = await assistant.dispatch('models.select', { spec: 'onnx:onnx-community/Qwen2.5-0.5B-Instruct' });
      expect(notDownloaded).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringMatching(/download it first/) } });
      expect(await assistant.dispatch('models.select', { spec: 'gguf:whatever' })).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
      // Failed selections changed nothing.
      expect((await call(assistant, 'settings.get', {})).chat_model).toBe(spec);
      expect((await call(assistant, 'models.status', {})).chat.ready).toBe(true);
    } finally {
      await assistant.close();
      await server.close();
    }
    expect(JSON.parse(readFileSync(join(profileDir, 'settings.json'), 'utf8')).chat_model).toMatch(/^openai:/);
  });

  it('loads the chosen model lazily on the first turn, and says why when it cannot', async () => {
    const profileDir = tempDir();
    writeFileSync(join(profileDir, 'settings.json'), JSON.stringify({ chat_model: 'openai:http://127.0.0.1:9/v1#gone' }));
    const assistant = await openAssistant(profileDir);
    expect((await call(assistant, 'models.status', {})).chat).toEqual({ spec: 'openai:http://127.0.0.1:9/v1#gone', ready: false, last_call: null });
    const events = await streamEvents(assistant, 'chat.send', { text: 'Hello' });
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'MODEL_UNAVAILABLE' });
    const { chat } = await call(assistant, 'models.status', {});
    expect(chat.error).toMatch(/127\.0\.0\.1:9/);
    expect(chat.last_call).toMatchObject({ ok: false, error: expect.stringMatching(/127\.0\.0\.1:9/) }); // the status dot turns red
    // The message was kept, with the reply that could not come.
    expect((await call(assistant, 'chat.history', {})).messages.map((m) => [m.role, m.text, m.outcome])).toEqual([
      ['user', 'Hello', undefined],
      ['assistant', '', 'failed'],
    ]);
    // Changing the theme does not try the model again.
    expect(await call(assistant, 'settings.update', { theme: 'light' })).toMatchObject({ theme: 'light', chat_model: 'openai:http://127.0.0.1:9/v1#gone' });
    await assistant.close();
  });

  it('an injected model answers until another is selected', async () => {
    const assistant = await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder(), chatModel: new ScriptedChatModel([], 'hi', 'injected') });
    expect((await call(assistant, 'models.status', {})).chat).toMatchObject({ spec: 'scripted:injected', ready: true, info: { backend: 'scripted' } });
    expect(await call(assistant, 'models.status', {})).toMatchObject({ embedder: { spec: 'use-lite', dimension: 512 } });
    await assistant.close();
  });
});
