import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, scriptedAssistantModel } from '../helpers/assistant.js';
import { startOpenAiChatServer, type OpenAiChatServer } from '../helpers/openai-chat-server.js';
import { conversationItems, navButton, sendMessage } from './chat-page.js';
import { startUiSession, type UiSession } from './ui-session.js';

/**
 * Scopes (issue 17) in a real browser against the real engine: a chat begun
 * in a new project keeps what it is told there, the Memory screen filters by
 * scope and moves a memory between scopes (undoably), a personal chat never
 * sees the project's memories, and Settings gives another tool its scope.
 * The screenshots at 1280 and 400 px are for a person to look at.
 */

const MODEL = 'scripted-chat';
/** FACTS in the scripted assistant: "moved to Lisbon" is remembered as this. */
const LISBON = 'The user lives in Lisbon.';
const SHOTS = process.env.SCOPES_SHOTS_DIR ?? join('test-artifacts', 'scopes-shots');

let chatServer: OpenAiChatServer;
let ui: UiSession;
let page: Page;

beforeAll(async () => {
  const scripted = scriptedAssistantModel();
  chatServer = await startOpenAiChatServer({ models: [MODEL], reply: (messages) => scripted.replyTo(messages) });
  ui = await startUiSession();
  page = ui.page;
  page.setDefaultTimeout(30_000);
  await call(ui.assistant, 'models.select', { spec: `openai:${chatServer.baseUrl}#${MODEL}` });
  await page.reload(); // past the first-run screen
});

afterAll(async () => {
  await ui?.close();
  await chatServer?.close();
});

afterEach(async () => {
  await page.setViewportSize({ width: 1280, height: 820 });
  expect(ui.pageErrors).toEqual([]);
  expect(await page.getByRole('alert').allTextContents()).toEqual([]);
});

const nav = (name: string) => navButton(page, name);
const chatScope = () => page.getByRole('combobox', { name: 'Scope', exact: true });
const scopeFilter = () => page.getByRole('combobox', { name: 'Scope', exact: true });
const memoryList = () => page.getByRole('list', { name: 'Memories' });
const detail = () => page.getByRole('complementary', { name: 'Memory details' });
/** The Memory screen's filter choices, as shown: "personal (1)", "Atlas (2)". */
const filterLabels = () => scopeFilter().locator('option').allTextContents();

/** The content pane's elements whose right edge is past the window's, as `tag.class`: in the page, where the DOM is. */
const STICKING_OUT = `[...document.querySelectorAll('main *')]
  .filter((el) => { const box = el.getBoundingClientRect(); return box.width > 0 && box.right > window.innerWidth + 1; })
  .map((el) => el.tagName.toLowerCase() + '.' + [...el.classList].join('.'))`;

/**
 * The page at 1280 and 400 px, saved as `<name>-<width>.png`; at each, nothing
 * in the content pane may stick out past the window. Back at 1280 px after.
 */
async function shoot(name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const width of [1280, 400]) {
    await page.setViewportSize({ width, height: 820 });
    await page.waitForTimeout(400); // the sidebar slides away below 900 px
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`) });
    const sticking = await page.evaluate(STICKING_OUT);
    expect(sticking, `${name} at ${width} px`).toEqual([]);
  }
  await page.setViewportSize({ width: 1280, height: 820 });
}

describe('web UI: scopes', () => {
  it('a new chat in a new project "Atlas": the name is checked, and what is told there is filed under Atlas', async () => {
    await chatScope().waitFor();
    expect(await chatScope().inputValue()).toBe('personal');
    await chatScope().selectOption({ label: 'New project…' });
    const name = page.getByRole('textbox', { name: 'New project name' });
    await name.fill('Atlas/2');
    await name.press('Enter');
    await page.getByText(/A scope name is letters, digits/).waitFor();
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    // Its first message would go to another scope: sending waits for a valid name.
    await page.getByRole('textbox', { name: 'Message' }).fill('I moved to Lisbon last spring.');
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await shoot('chat-new-project-error');
    await name.fill('Atlas');
    await name.press('Enter');
    await expect.poll(() => chatScope().inputValue()).toBe('Atlas');
    await shoot('chat-scope-picker');

    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('I moved to Lisbon last spring.');
    const turn = await sendMessage(page, 'I moved to Lisbon last spring.');
    const card = turn.getByRole('article', { name: 'ADD operation' });
    await card.getByText(LISBON).waitFor();
    await card.getByText('in Atlas').waitFor(); // the review card says where the memory went
    // Begun, the chat shows its scope and no longer offers to change it.
    await expect.poll(() => page.getByTestId('chat-scope').textContent()).toBe('Atlas');
    expect(await chatScope().count()).toBe(0);
    // The sidebar marks the chat with its project.
    await page.getByRole('list', { name: 'Chats, newest first' }).getByRole('button', { name: /^I moved to Lisbon last spring\. +scope Atlas$/ }).waitFor();
    await shoot('chat-in-atlas');

    // In the project, the fact is there to answer from.
    const again = await sendMessage(page, 'Where do I live?');
    await again.getByRole('group', { name: 'Memories used' }).getByRole('button', { name: LISBON }).waitFor();
    expect((await call(ui.assistant, 'memory.list', { scope: 'Atlas' })).items.map((m) => m.text)).toEqual([LISBON]);
  });

  it('the Memory screen shows Atlas\'s fact under the Atlas filter, not under personal', async () => {
    await nav('Memory').click();
    await expect.poll(filterLabels).toEqual(['All scopes', 'personal (0)', 'Atlas (1)']);
    await scopeFilter().selectOption('Atlas');
    await expect.poll(() => memoryList().getByRole('listitem').allTextContents()).toEqual([expect.stringContaining(LISBON)]);
    expect(await memoryList().getByRole('listitem').first().textContent()).toContain('Scope: Atlas'); // the row's scope label
    await shoot('memory-filter-atlas');

    await scopeFilter().selectOption('personal');
    await page.getByText('No memories match.').waitFor();
    // A search keeps to the scope too.
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('Where does the user live?');
    await page.getByText('No memories match.').waitFor();
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('');
    await scopeFilter().selectOption('');
  });

  it("a personal chat is given none of Atlas's memories; the Atlas chat reopened is still in Atlas; a temporary chat has no scope", async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'New chat' }).click();
    expect(await chatScope().inputValue()).toBe('personal');
    const turn = await sendMessage(page, 'Where do I live?');
    expect(await turn.getByRole('group', { name: 'Memories used' }).count()).toBe(0);
    expect(await conversationItems(page).count()).toBe(2);
    await expect.poll(() => page.getByTestId('chat-scope').textContent()).toBe('personal');
    const history = await call(ui.assistant, 'chat.history', {});
    expect(history.scope).toBe('personal');
    expect(history.messages.flatMap((m) => m.memories ?? []).map((m) => m.text)).not.toContain(LISBON);

    // The Atlas chat, opened again from the sidebar, is still in Atlas.
    await page.getByRole('list', { name: 'Chats, newest first' }).getByRole('button', { name: /^I moved to Lisbon/ }).click();
    await expect.poll(() => page.getByTestId('chat-scope').textContent()).toBe('Atlas');

    // A temporary chat has no scope to pick or show: its banner says it reads and writes nothing.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Temporary' }).click();
    await page.getByRole('status').getByText(/Temporary chat: nothing you say here is remembered/).waitFor();
    expect(await chatScope().count()).toBe(0);
    expect(await page.getByTestId('chat-scope').count()).toBe(0);
  });

  it('a memory moves to another scope from its details, the counts follow, and Undo moves it back', async () => {
    await call(ui.assistant, 'memory.add', { text: 'The user has a dog called Rex.' });
    await nav('Memory').click();
    await expect.poll(filterLabels).toEqual(['All scopes', 'personal (1)', 'Atlas (1)']);
    await scopeFilter().selectOption('personal');
    await memoryList().getByText('The user has a dog called Rex.').click();
    await detail().getByRole('button', { name: 'Move…' }).click();
    const move = detail().getByRole('form', { name: 'Move to another scope' });
    await move.getByRole('combobox', { name: 'Move to' }).selectOption('Atlas');
    await move.getByRole('button', { name: 'Move' }).click();

    await expect.poll(() => detail().getByTestId('memory-scope').textContent()).toBe('Atlas');
    await expect.poll(filterLabels).toEqual(['All scopes', 'personal (0)', 'Atlas (2)']);
    await page.getByText('No memories match.').waitFor(); // gone from the personal list it was in
    await detail().getByText('Moved from personal to Atlas').waitFor();
    await detail().getByRole('list', { name: 'History' }).getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => detail().getByTestId('memory-scope').textContent()).toBe('personal');
    await expect.poll(filterLabels).toEqual(['All scopes', 'personal (1)', 'Atlas (1)']);

    // A new project from the same form.
    await detail().getByRole('button', { name: 'Move…' }).click();
    await move.getByRole('combobox', { name: 'Move to' }).selectOption({ label: 'New project…' });
    await move.getByRole('textbox', { name: 'New project name' }).fill('Pets');
    await shoot('memory-move-form');
    await move.getByRole('button', { name: 'Move' }).click(); // leaving the field commits the name
    await expect.poll(() => detail().getByTestId('memory-scope').textContent()).toBe('Pets');
    await expect.poll(filterLabels).toEqual(['All scopes', 'personal (0)', 'Atlas (1)', 'Pets (1)']);
    await shoot('memory-moved');
    await scopeFilter().selectOption('');
  });

  it("Settings gives another tool its scope", async () => {
    await call(ui.assistant, 'mcp.admit', { client: 'mcp:Notes App', write: false });
    await nav('Settings').click();
    const tools = page.getByRole('list', { name: 'Tools using your memory' });
    const scope = tools.getByRole('combobox', { name: 'Scope for Notes App' });
    expect(await scope.inputValue()).toBe('personal');
    await scope.selectOption('Atlas');
    await expect.poll(async () => (await call(ui.assistant, 'mcp.clients', {})).items[0]?.scope).toBe('Atlas');

    await scope.selectOption({ label: 'New project…' });
    const name = tools.getByRole('textbox', { name: 'New project name' });
    await name.fill('Notes');
    await name.press('Enter');
    await expect.poll(async () => (await call(ui.assistant, 'mcp.clients', {})).items[0]?.scope).toBe('Notes');
    await expect.poll(() => scope.inputValue()).toBe('Notes');
    await tools.scrollIntoViewIfNeeded();
    await shoot('settings-tool-scope');
  });
});
