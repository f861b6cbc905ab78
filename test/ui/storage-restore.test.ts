import { readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileHost } from '../../models/api/profile-host.js';
import { call, scriptedAssistantModel } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { startUiSession, type UiSession } from './ui-session.js';

/**
 * A profile whose memory table has a truncated data file: the app still
 * starts, opens on Settings with the damage shown, and its Restore (after a
 * confirmation that says what is lost) brings every journaled memory back.
 */

const TEXTS = ['Caroline is a counsellor.', 'Melanie has two kids.', 'Jon opened a dance studio.'];

let ui: UiSession;

/** Three journaled memories, then the memory table's newest data file cut to 100 bytes; a chat model already chosen. */
async function seedDamagedProfile(profileDir: string): Promise<void> {
  const host = await ProfileHost.open({ profileDir, embedder: await realEmbedder() });
  for (const text of TEXTS) await call(host, 'memory.add', { text });
  await host.close();
  const data = join(profileDir, 'memory', 'memories.lance', 'data');
  const newest = readdirSync(data)
    .map((name) => join(data, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  truncateSync(newest, 100);
  writeFileSync(join(profileDir, 'settings.json'), JSON.stringify({ chat_model: 'openai:http://127.0.0.1:9/v1#scripted' }));
}

beforeAll(async () => {
  ui = await startUiSession({ seed: seedDamagedProfile, chatModel: scriptedAssistantModel() });
  ui.page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await ui?.close();
});

describe('web UI: storage health and restore', () => {
  it('a damaged profile opens on Settings; Restore, once confirmed, brings the memories back', async () => {
    const { page } = ui;
    const health = page.getByTestId('store-health');
    await health.getByText(/Damaged: memories cannot be read/).waitFor();
    await ui.screenshot('storage-damaged');

    await health.getByRole('button', { name: 'Restore…' }).click();
    await health.getByRole('combobox', { name: 'Restore to' }).waitFor();
    await health.getByRole('button', { name: 'Restore', exact: true }).click();
    const confirm = health.getByRole('group', { name: /Restore the memory database\?/ });
    await confirm.getByText(/Memories go back to their newest readable version.*nothing the journal holds is lost/).waitFor();
    await ui.screenshot('storage-restore-confirm');
    await confirm.getByRole('button', { name: 'Restore', exact: true }).click();

    await health.getByRole('status').getByText(/Restored memories from version \d+ to \d+; .*nothing was lost/).waitFor();
    await health.getByText('Healthy', { exact: true }).waitFor();
    await health.getByText('Last restore').waitFor();
    await ui.screenshot('storage-restored');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Memory', exact: true }).click();
    const list = page.getByRole('list', { name: 'Memories' });
    for (const text of TEXTS) await list.getByText(text, { exact: true }).waitFor();

    // The narrow layout: the section stacks its rows and nothing overflows the window.
    await page.setViewportSize({ width: 400, height: 820 });
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Settings', exact: true }).click();
    await page.locator('#sidebar').waitFor({ state: 'hidden' });
    await health.getByText('Healthy', { exact: true }).scrollIntoViewIfNeeded();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
    await ui.screenshot('storage-narrow');

    expect(ui.pageErrors).toEqual([]);
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
  });
});
