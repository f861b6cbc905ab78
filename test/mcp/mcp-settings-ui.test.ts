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

  it('shows where tools reach the memory: the MCP address, the token only when asked for (and copied without showing it), and the proxy', async () => {
    const { page, web } = ui;
    const origin = new URL(web.mcpUrl).origin;
    await navButton(page, 'Settings').click();
    const where = page.getByLabel('Where tools reach your memory', { exact: true });
    await where.getByText(web.mcpUrl, { exact: true }).waitFor();
    await where.getByText(`${origin}/v1`, { exact: true }).waitFor();
    expect(await where.textContent()).not.toContain(web.mcpToken);

    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    await where.getByRole('button', { name: 'Copy the MCP token' }).click();
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(web.mcpToken);
    expect(await where.textContent()).not.toContain(web.mcpToken);

    await where.getByRole('button', { name: 'Show the MCP token' }).click();
    await where.getByText(web.mcpToken, { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Tools using your memory' }).scrollIntoViewIfNeeded();
    await ui.screenshot('settings-tool-endpoints-1280');
    // The narrow layout: the rows stack, the token wraps, and nothing overflows the window.
    await page.setViewportSize({ width: 400, height: 820 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await navButton(page, 'Settings').click();
    await page.locator('#sidebar').waitFor({ state: 'hidden' });
    await where.getByText(web.mcpToken, { exact: true }).scrollIntoViewIfNeeded();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
    await ui.screenshot('settings-tool-endpoints-400');
    await page.setViewportSize({ width: 1280, height: 820 });
    await where.getByRole('button', { name: 'Hide the MCP token' }).click();
    await expect.poll(() => where.textContent()).not.toContain(web.mcpToken);
    expect(ui.pageErrors).toEqual([]);
  });
});
