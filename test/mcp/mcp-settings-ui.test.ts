import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { navButton } from '../ui/chat-page.js';
import { startUiSession, type UiSession } from '../ui/ui-session.js';
import { callTool, toolValue } from './mcp-client.js';

let ui: UiSession;
let client: Client;

beforeAll(async () => {
  ui = await startUiSession();
  client = new Client({ name: 'Notes App', version: '2.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(ui.web.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${ui.web.mcpToken}` } } }));
});

afterAll(async () => {
  await client?.close();
  await ui?.close();
});

describe('another tool in the app (browser)', () => {
  it("its write waits in Review under its name, and Settings lists it with switches that take effect at once", async () => {
    const { page } = ui;
    await toolValue(client, 'remember', { text: 'I am learning Portuguese.' });
    await page.getByRole('button', { name: 'Look around first' }).click(); // no chat model: another tool needs none

    await navButton(page, 'Review').click();
    const card = page.getByRole('article', { name: 'ADD operation' });
    await card.getByText('I am learning Portuguese.').waitFor();
    await card.getByText('by the memory manager, from Notes App').waitFor();
    await card.getByRole('button', { name: 'Accept' }).waitFor();

    await navButton(page, 'Settings').click();
    const tools = page.getByRole('list', { name: 'Tools using your memory' });
    await tools.getByText('Notes App', { exact: true }).waitFor();
    await tools.getByRole('combobox', { name: 'What Notes App may do' }).selectOption('read-only');
    await expect.poll(async () => (await callTool(client, 'remember', { text: 'I also speak Dutch.' })).ok).toBe(false);
    await tools.getByRole('checkbox', { name: 'Memory on' }).uncheck();
    await expect.poll(async () => callTool(client, 'search_memories', { query: 'languages' })).toEqual({ ok: false, text: expect.stringMatching(/turned off for "Notes App"/) });
    await ui.screenshot('settings-mcp-clients');
    expect(ui.pageErrors).toEqual([]);
  });
});
