import type { Locator, Page } from 'playwright-core';

/** The chat screen as the browser tests drive it: by role and accessible name, as a user finds things. */
export const navButton = (page: Page, name: string): Locator => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true });

/** The conversation's turns: user messages and replies, in order. */
export const conversationItems = (page: Page): Locator => page.getByRole('list', { name: 'Conversation' }).getByRole('listitem');

/** Sends a message with Enter and waits until the turn is complete (its memory updates are in); returns the reply. */
export async function sendMessage(page: Page, text: string): Promise<Locator> {
  const before = await conversationItems(page).count();
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  const turn = conversationItems(page).nth(before + 1);
  await turn.and(page.locator('[aria-busy="false"]')).waitFor();
  return turn;
}
