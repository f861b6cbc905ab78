import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../models/llm/chat-model.js';
import { ScriptedChatModel } from '../../models/llm/scripted-model.js';
import { call } from '../helpers/assistant.js';
import { startOpenAiChatServer, type OpenAiChatServer } from '../helpers/openai-chat-server.js';
import { conversationItems, navButton, sendMessage } from './chat-page.js';
import { startUiSession, type UiSession } from './ui-session.js';

/**
 * The scenario in a real browser against the real engine. The chat
 * model is the scripted one behind a real OpenAI-compatible server, chosen on
 * the first-run screen, so the settings path is exercised too. Its rules
 * answer the three prompts a turn sends: fact extraction, the update decision
 * per fact, and the chat reply.
 */

const MODEL = 'scripted-chat';

const lastUserText = (messages: readonly ChatMessage[]) => messages.findLast((m) => m.role === 'user')?.content ?? '';
const systemStarts = (prefix: string) => (messages: readonly ChatMessage[]) => messages[0]?.role === 'system' && messages[0].content.startsWith(prefix);

/** The facts in the user's message, as the extraction prompt asks: `{"facts": [...]}`. */
function extractFacts(messages: readonly ChatMessage[]): string {
  const said = lastUserText(messages);
  const facts = /Porto/.test(said)
    ? ['User lives in Porto.']
    : /Lisbon/.test(said)
      ? ['User lives in Lisbon.']
      : /cat named Miso/.test(said)
        ? ['User has a cat named Miso.']
        : [];
  return JSON.stringify({ facts });
}

/** A move to Porto updates the memory about Lisbon (by its short id in the prompt); anything else is new. */
function decideUpdate(messages: readonly ChatMessage[]): string {
  const prompt = lastUserText(messages);
  const fact = /<fact>\n(.*)\n<\/fact>/.exec(prompt)?.[1] ?? '';
  const lisbon = /\{"id": "(\d+)"[^\n]*Lisbon/.exec(prompt)?.[1];
  if (fact.includes('Porto') && lisbon !== undefined) return JSON.stringify({ event: 'UPDATE', id: lisbon, text: 'User lives in Porto.' });
  return JSON.stringify({ event: 'ADD', text: JSON.parse(fact || '{"text": ""}').text });
}

/** Answers where the user lives from the memories in the system prompt, and acknowledges everything else. */
function reply(messages: readonly ChatMessage[]): string {
  if (!/where do i live/i.test(lastUserText(messages))) return 'Noted, I will remember that.';
  const memories = messages[0]?.content ?? '';
  return /Lisbon/.test(memories) ? 'You live in Lisbon.' : 'I do not know yet.';
}

const scripted = new ScriptedChatModel([
  { when: systemStarts('You extract memories'), reply: extractFacts },
  { when: systemStarts('You manage a personal assistant'), reply: decideUpdate },
  { when: systemStarts('You are a personal assistant with a long-term memory'), reply },
]);

let chatServer: OpenAiChatServer;
let ui: UiSession;
let page: Page;

beforeAll(async () => {
  chatServer = await startOpenAiChatServer({ models: [MODEL], reply: (messages) => scripted.replyTo(messages) });
  ui = await startUiSession();
  page = ui.page;
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await ui?.close();
  await chatServer?.close();
});

afterEach(async () => {
  expect(ui.pageErrors).toEqual([]);
  expect(await page.getByRole('alert').allTextContents()).toEqual([]);
});

const nav = (name: string) => navButton(page, name);
const replies = () => conversationItems(page);
const send = (text: string) => sendMessage(page, text);

async function memoryStatusIs(turn: Locator, kind: string, status: string): Promise<void> {
  await turn.getByRole('article', { name: `${kind} operation` }).getByText(status, { exact: true }).waitFor();
}

describe('web UI: the issue scenario, in Chromium against the real engine', () => {
  it('first run: explains the choice, and an OpenAI-compatible server chosen there becomes the chat model', async () => {
    await page.getByRole('heading', { name: 'Welcome to Memory-R1' }).waitFor();
    await ui.screenshot('first-run');
    await page.getByRole('radio', { name: /A model server/ }).check();
    await page.getByRole('textbox', { name: 'Server URL' }).fill(chatServer.baseUrl);
    await page.getByRole('textbox', { name: 'Model name' }).fill(MODEL);
    await page.getByRole('button', { name: 'Use this server' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    expect(new URL(page.url()).hash).toBe(''); // the token left the address bar
    expect(await call(ui.assistant, 'settings.get', {})).toMatchObject({ chat_model: `openai:${chatServer.baseUrl}#${MODEL}` });
  });

  it('a fact told in chat becomes an ADD card, which the user accepts', async () => {
    const turn = await send('Hi! I live in Lisbon.');
    await turn.getByText('Noted, I will remember that.').waitFor();
    const card = turn.getByRole('article', { name: 'ADD operation' });
    await card.getByText('User lives in Lisbon.').waitFor();
    await card.getByRole('button', { name: 'Accept' }).click();
    await memoryStatusIs(turn, 'ADD', 'Accepted');
  });

  it('a correction becomes an UPDATE card with a word diff; rejecting it brings the old memory back', async () => {
    const turn = await send('Correction: I moved to Porto last month.');
    const card = turn.getByRole('article', { name: 'UPDATE operation' });
    await expect(card.locator('del').allTextContents()).resolves.toEqual(['Lisbon']);
    await expect(card.locator('ins').allTextContents()).resolves.toEqual(['Porto']);
    await card.getByRole('button', { name: 'Reject' }).click();
    await memoryStatusIs(turn, 'UPDATE', 'Rejected');
    expect(await call(ui.assistant, 'memory.list', {})).toMatchObject({ total: 1, items: [{ text: 'User lives in Lisbon.' }] });
  });

  it('a question is answered from memory, and its "memories used" chip opens that memory', async () => {
    const turn = await send('Where do I live?');
    await turn.getByText('You live in Lisbon.').waitFor();
    const chip = turn.getByRole('group', { name: 'Memories used' }).getByRole('button', { name: 'User lives in Lisbon.' });
    await chip.waitFor();
    await send('By the way, I have a cat named Miso.');
    await ui.screenshot('chat-light');
    await chip.click();
    const detail = page.getByRole('complementary', { name: 'Memory details' });
    await detail.getByText('User lives in Lisbon.', { exact: true }).first().waitFor();
    expect(await nav('Memory').getAttribute('aria-current')).toBe('page');
  });

  it('the memory browser edits a memory, and undo from its history restores it', async () => {
    const detail = page.getByRole('complementary', { name: 'Memory details' });
    await detail.getByRole('button', { name: 'Edit' }).click();
    await detail.getByRole('textbox', { name: 'Text' }).fill('User lives in Lisbon, near the river.');
    await detail.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('list', { name: 'Memories' }).getByText('User lives in Lisbon, near the river.').waitFor();
    const history = detail.getByRole('list', { name: 'History' });
    await history.getByRole('listitem').first().getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('list', { name: 'Memories' }).getByText('User lives in Lisbon.', { exact: true }).waitFor();
    await detail.getByRole('button', { name: 'Undo' }).waitFor(); // the undo itself can be undone (a redo)
    await ui.screenshot('memory-light');
  });

  it('export downloads the whole memory bank as JSON and as Markdown', async () => {
    for (const [button, extension] of [
      ['Export JSON', 'json'],
      ['Export Markdown', 'md'],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`^memories-\\d{4}-\\d{2}-\\d{2}\\.${extension}$`));
      const content = readFileSync(await download.path(), 'utf8');
      if (extension === 'json') JSON.parse(content);
      expect(content).toContain('User lives in Lisbon.');
      expect(content).toContain('User has a cat named Miso.');
    }
  });

  it('review lists what waits for review; an edit there rewrites the memory', async () => {
    await nav('Review').click();
    const card = page.getByRole('article', { name: 'ADD operation' });
    await card.getByText('User has a cat named Miso.').waitFor();
    await card.getByRole('button', { name: 'Edit' }).click();
    await card.getByRole('textbox', { name: 'Memory text' }).fill('User has a black cat named Miso.');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('Edited', { exact: true }).waitFor();
    const found = await call(ui.assistant, 'memory.search', { query: 'cat', k: 1 });
    expect(found.items[0]?.memory.text).toBe('User has a black cat named Miso.');

    await nav('Chat').click(); // the chat's card of that turn shows the review made elsewhere
    await replies().last().getByRole('article', { name: 'ADD operation' }).getByText('Edited', { exact: true }).waitFor();
    await nav('Review').click();
    await page.getByRole('radio', { name: 'All recent' }).check();
    await page.getByRole('article', { name: 'UPDATE operation' }).getByText('Rejected', { exact: true }).first().waitFor();
    await ui.screenshot('review-light');
  });

  it("settings show the model, embedder, profile and the memory database's health; the dark theme applies at once", async () => {
    await nav('Settings').click();
    // The model by its name; the full spec (server and all) is its tooltip.
    await page.getByTitle(`openai:${chatServer.baseUrl}#${MODEL}`).getByText(MODEL, { exact: true }).waitFor();
    await page.getByText('Ready', { exact: false }).first().waitFor();
    await page.getByTestId('store-health').getByText('Healthy', { exact: true }).waitFor();
    await ui.screenshot('settings-light');
    await page.getByRole('combobox', { name: 'Theme' }).selectOption('dark');
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    await ui.screenshot('settings-dark');
    await nav('Chat').click();
    await replies().last().getByRole('article', { name: 'ADD operation' }).waitFor();
    await ui.screenshot('chat-dark');
    await nav('Memory').click();
    await page.getByRole('complementary', { name: 'Memory details' }).getByRole('list', { name: 'History' }).waitFor();
    await ui.screenshot('memory-dark');
    await nav('Review').click();
    await page.getByRole('radio', { name: 'All recent' }).check();
    await page.getByRole('article', { name: 'ADD operation' }).first().waitFor();
    await ui.screenshot('review-dark');
    expect(await call(ui.assistant, 'settings.get', {})).toMatchObject({ theme: 'dark' });
  });
});
