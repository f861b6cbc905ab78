import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyGpt2 } from '../fixtures/onnx/build-tiny-gpt2.js';
import { call } from '../helpers/assistant.js';
import type { TestServer } from '../helpers/http-server.js';
import { startHubServer } from '../helpers/hub-server.js';
import { startUiSession, type UiSession } from './ui-session.js';

/**
 * The memory browser's own features, the local-model path of the first-run
 * screen (a real download from a Hub on 127.0.0.1, slowed so its progress
 * shows, then the real ONNX runtime loading it), and how the page handles its
 * access token and errors.
 */

const TINY_MODEL = 'tiny/gpt2';

let repoDir: string;
let hub: TestServer;
let ui: UiSession;
let page: Page;

beforeAll(async () => {
  repoDir = mkdtempSync(join(tmpdir(), 'memr1-ui-repo-'));
  // Positions enough for the chat and Memory Manager prompts plus their replies.
  await buildTinyGpt2(repoDir, { positions: 4096 });
  hub = await startHubServer({ repos: { [TINY_MODEL]: repoDir }, chunkDelayMs: 40 });
  ui = await startUiSession({ hubUrl: hub.url });
  page = ui.page;
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await ui?.close();
  await hub?.close();
  rmSync(repoDir, { recursive: true, force: true });
});

afterEach(async () => {
  expect(ui.pageErrors).toEqual([]);
  expect(await page.getByRole('alert').allTextContents()).toEqual([]);
});

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true });
const memoryList = () => page.getByRole('list', { name: 'Memories' });
const detail = () => page.getByRole('complementary', { name: 'Memory details' });

describe('web UI: memory browser, local models, token and errors', () => {
  it('first run: a local model downloads with a progress bar, then becomes the chat model', async () => {
    await page.getByRole('radio', { name: /On this computer/ }).check();
    await page.getByRole('combobox', { name: 'Model (Hugging Face id)' }).fill(TINY_MODEL);
    await page.getByRole('combobox', { name: 'Precision' }).selectOption('fp32');
    expect(await page.getByRole('button', { name: 'Use this model' }).isDisabled()).toBe(true); // not downloaded yet
    await page.getByRole('button', { name: 'Download' }).click();
    const progress = page.getByRole('progressbar', { name: 'Download progress' });
    await expect.poll(async () => Number(await progress.getAttribute('value')), { timeout: 30_000 }).toBeGreaterThan(40);
    await ui.screenshot('first-run-download');
    await progress.waitFor({ state: 'detached' });
    await page.getByText(TINY_MODEL, { exact: true }).waitFor(); // listed as on this computer
    await page.getByRole('button', { name: 'Use this model' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    const status = await call(ui.assistant, 'models.status', {});
    expect(status.chat).toMatchObject({ spec: `onnx:${TINY_MODEL}`, ready: true, info: { backend: 'onnx' } });
  });

  it('a download that fails says why in the error banner, which can be dismissed', async () => {
    await nav('Settings').click();
    await page.getByRole('radio', { name: /On this computer/ }).check();
    await page.getByRole('combobox', { name: 'Model (Hugging Face id)' }).fill('nobody/no-such-model');
    await page.getByRole('button', { name: 'Download' }).click();
    const banner = page.getByRole('alert');
    await banner.getByText(/Could not download nobody\/no-such-model: .*no model/).waitFor();
    await banner.getByRole('button', { name: 'Dismiss error' }).click();
    await banner.waitFor({ state: 'detached' });
  });

  it('the device choice is saved', async () => {
    await page.getByRole('combobox', { name: 'Device' }).selectOption('cpu');
    await expect.poll(async () => (await call(ui.assistant, 'settings.get', {})).device).toBe('cpu');
  });

  it('the composer sends with Enter and adds a line with Shift+Enter', async () => {
    await nav('Chat').click();
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('first line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    expect(await box.inputValue()).toBe('first line\nsecond line');
    expect(await page.getByRole('list', { name: 'Conversation' }).getByRole('listitem').count()).toBe(0);
    await box.press('Enter');
    await page.getByRole('list', { name: 'Conversation' }).getByText('first line\nsecond line').waitFor();
    expect(await box.inputValue()).toBe('');
    // The tiny random model writes gibberish; the turn still completes, through the real ONNX runtime.
    await page.getByRole('list', { name: 'Conversation' }).locator('li[aria-busy="false"]').nth(1).waitFor();
  });

  it('memories are added by hand, found by meaning, and filtered by subject and time', async () => {
    await call(ui.assistant, 'memory.add', { text: 'User plays the cello in an amateur orchestra.', subject: 'user', event_time: '2024-01-05T12:00:00Z' });
    await call(ui.assistant, 'memory.add', { text: "User's favourite dish is bacalhau.", subject: 'user', event_time: '2025-06-01T12:00:00Z' });
    await nav('Memory').click();
    await page.getByRole('button', { name: 'Add memory' }).click();
    const form = page.getByRole('form', { name: 'New memory' });
    await form.getByRole('textbox', { name: 'Text' }).fill('Maria is a nurse in Porto.');
    await form.getByRole('textbox', { name: 'Subject' }).fill('Maria');
    await form.getByLabel('When it happened').fill('2025-03-10');
    await form.getByRole('button', { name: 'Save' }).click();
    await detail().getByText('Maria is a nurse in Porto.').first().waitFor();

    await page.getByRole('searchbox', { name: 'Search memories' }).fill('Which musical instrument does the user play?');
    await memoryList().getByRole('listitem').first().getByText(/cello/).waitFor();
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('');

    await page.getByRole('combobox', { name: 'Subject' }).fill('Maria');
    await expect.poll(() => memoryList().getByRole('listitem').allTextContents()).toEqual([expect.stringContaining('Maria is a nurse in Porto.')]);
    await page.getByRole('combobox', { name: 'Subject' }).fill('');

    await page.getByLabel('From', { exact: true }).fill('2025-01-01');
    await page.getByLabel('To', { exact: true }).fill('2025-04-30');
    await expect.poll(() => memoryList().getByRole('listitem').allTextContents()).toEqual([expect.stringContaining('Maria is a nurse in Porto.')]);
    await page.getByLabel('From', { exact: true }).fill('');
    await page.getByLabel('To', { exact: true }).fill('');
    await memoryList().getByText(/cello/).waitFor();
  });

  it('a deleted memory can be brought back from its history', async () => {
    await memoryList().getByText(/cello/).click();
    await detail().getByRole('button', { name: 'Delete' }).click();
    await detail().getByText('This memory is deleted.', { exact: false }).waitFor();
    await memoryList().getByText(/cello/).waitFor({ state: 'detached' });
    await detail().getByRole('list', { name: 'History' }).getByRole('listitem').first().getByRole('button', { name: 'Undo' }).click();
    await memoryList().getByText(/cello/).waitFor();
    await detail().getByRole('button', { name: 'Edit' }).waitFor();
  });

  it('import reads a JSON export back in', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
    const exported = await download.path();
    const [bacalhau] = (await call(ui.assistant, 'memory.search', { query: 'bacalhau', k: 1 })).items;
    await call(ui.assistant, 'memory.delete', { id: bacalhau!.memory.id });

    await page.getByLabel('Import memories').setInputFiles(exported);
    await page.getByRole('status').getByText('Imported 1 memory.').waitFor();
    await memoryList().getByText("User's favourite dish is bacalhau.").waitFor();
  });

  it('the token leaves the address bar and survives a reload; without one the page says what to do', async () => {
    expect(new URL(page.url()).hash).toBe('');
    await page.reload();
    await nav('Memory').waitFor();

    const stranger = await page.context().browser()!.newPage();
    try {
      await stranger.goto(`http://127.0.0.1:${ui.web.port}/`);
      await stranger.getByRole('alert').getByText(/memr1 serve/).waitFor();
    } finally {
      await stranger.close();
    }
  });
});
