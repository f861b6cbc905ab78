import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { call, scriptedAssistantModel, streamEvents } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { startOpenAiChatServer } from '../helpers/openai-chat-server.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const KEY = 'sk-test-0123456789';

describe('settings people need (real HTTP server, real store)', () => {
  it('an API key is stored in a 0600 file, used for the server, never sent back; the model list comes from the server', async () => {
    const model = scriptedAssistantModel();
    const server = await startOpenAiChatServer({ models: ['small', 'large'], apiKey: KEY, reply: (messages) => model.replyTo(messages) });
    const profileDir = tempDir();
    const assistant = await Assistant.open({ profileDir, embedder: await realEmbedder() });
    try {
      const spec = `openai:${server.baseUrl}#small`;
      expect(await assistant.dispatch('models.select', { spec })).toMatchObject({ ok: false, error: { code: 'MODEL_UNAVAILABLE' } }); // 401 without the key
      expect(await assistant.dispatch('models.server_models', { base_url: server.baseUrl })).toMatchObject({ ok: false });

      const saved = await call(assistant, 'settings.update', { api_key: KEY, chat_model: spec });
      expect(saved).toMatchObject({ chat_model: spec, api_key_set: true });
      expect(JSON.stringify(saved)).not.toContain(KEY);
      expect(JSON.stringify(await call(assistant, 'settings.get', {}))).not.toContain(KEY);
      const file = join(profileDir, 'api-key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8')).toBe(KEY);
      expect(readFileSync(join(profileDir, 'settings.json'), 'utf8')).not.toContain(KEY);
      expect(await call(assistant, 'models.server_models', { base_url: server.baseUrl })).toEqual({ models: ['small', 'large'] });

      // A wrong key is refused by the server and not kept.
      expect(await assistant.dispatch('settings.update', { api_key: 'sk-wrong' })).toMatchObject({ ok: false, error: { code: 'MODEL_UNAVAILABLE' } });
      expect(readFileSync(file, 'utf8')).toBe(KEY);

      await call(assistant, 'settings.update', { api_key: null, chat_model: null });
      expect(await call(assistant, 'settings.get', {})).toMatchObject({ api_key_set: false });
    } finally {
      await assistant.close();
      await server.close();
    }
  });

  it('the temperature and the custom instructions reach the chat reply, and survive a restart', async () => {
    const model = scriptedAssistantModel();
    const server = await startOpenAiChatServer({ models: ['small'], reply: (messages) => model.replyTo(messages) });
    const profileDir = tempDir();
    let assistant = await Assistant.open({ profileDir, embedder: await realEmbedder() });
    try {
      await call(assistant, 'settings.update', { chat_model: `openai:${server.baseUrl}#small`, temperature: 1.1, system_prompt: 'Answer in French.' });
      await assistant.close();
      assistant = await Assistant.open({ profileDir, embedder: await realEmbedder() });
      expect(await call(assistant, 'settings.get', {})).toMatchObject({ temperature: 1.1, system_prompt: 'Answer in French.' });
      await streamEvents(assistant, 'chat.send', { text: 'Hello there.' });
      const replyRequest = server.chatRequests().find((r) => JSON.stringify(r.body).includes('long-term memory'))!;
      expect(replyRequest.body).toMatchObject({ temperature: 1.1 });
      const system = (replyRequest.body!.messages as Array<{ content: string }>)[0]!.content;
      expect(system).toContain("The user's instructions for every reply:\nAnswer in French.");
      // The agents' own prompts stay deterministic.
      expect(server.chatRequests().filter((r) => r !== replyRequest).every((r) => (r.body!.temperature ?? 0) === 0)).toBe(true);
    } finally {
      await assistant.close();
      await server.close();
    }
  });
});
