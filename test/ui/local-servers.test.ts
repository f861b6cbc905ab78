import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/assistant.js';
import { startOpenAiChatServer, type OpenAiChatServer } from '../helpers/openai-chat-server.js';
import { startUiSession, type UiSession } from './ui-session.js';

/** The first-run screen offers the model servers already running on this computer (two fakes on ports the test chose). */

let ollama: OpenAiChatServer;
let lmStudio: OpenAiChatServer;
let ui: UiSession;
const portOf = (server: OpenAiChatServer) => Number(new URL(server.baseUrl).port);

beforeAll(async () => {
  ollama = await startOpenAiChatServer({ models: ['llama3.1:8b'], reply: () => 'Hello from Ollama.' });
  lmStudio = await startOpenAiChatServer({ models: ['qwen2.5-7b-instruct', 'phi-4-mini'], reply: () => 'Hello from LM Studio.' });
  ui = await startUiSession({ localServers: [{ name: 'Ollama', port: portOf(ollama) }, { name: 'LM Studio', port: portOf(lmStudio) }, { name: 'vLLM', port: 9 }] });
  ui.page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await ui?.close();
  await ollama?.close();
  await lmStudio?.close();
});

describe('web UI: model servers found on this computer', () => {
  it('lists each running server with its models, and one click makes the chosen model the chat model', async () => {
    const { page } = ui;
    const found = page.getByRole('region', { name: 'Model servers found on this computer' });
    await expect.poll(() => found.getByText('LM Studio').count()).toBe(1);
    expect(await found.getByText('Ollama').count()).toBe(1);
    expect(await found.getByText('vLLM').count()).toBe(0);
    await ui.screenshot('first-run-local-servers');
    await page.setViewportSize({ width: 400, height: 820 });
    await ui.screenshot('first-run-local-servers-narrow');
    await page.setViewportSize({ width: 1280, height: 820 });

    await found.getByRole('combobox', { name: 'LM Studio model' }).selectOption('phi-4-mini');
    await found.getByRole('button', { name: 'Use' }).nth(1).click();
    await expect.poll(async () => (await call(ui.assistant, 'settings.get', {})).chat_model).toBe(`openai:${lmStudio.baseUrl}#phi-4-mini`);
    expect(ui.pageErrors).toEqual([]);
  });
});
