/**
 * Replies rendered as Markdown, safely: `marked` parses, any HTML the model
 * wrote is shown as text (never parsed into the page), code blocks are
 * highlighted by highlight.js (classes only: the CSP allows no inline script
 * and nothing remote), and DOMPurify sanitises the result anyway, as the
 * second line of defence against a parser bug.
 */
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import { Marked } from 'marked';

// The languages people paste most; others are shown as plain code rather than guessed.
for (const [name, language] of Object.entries({ bash, css, javascript, json, python, sql, typescript, xml })) hljs.registerLanguage(name, language);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    // Raw HTML in a reply is text the model typed, not markup for this page.
    html: ({ text }) => escapeHtml(text),
    code: ({ text, lang }) => {
      const language = lang?.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      const known = language && hljs.getLanguage(language) ? language : '';
      const body = known ? hljs.highlight(text, { language: known, ignoreIllegals: true }).value : escapeHtml(text);
      return (
        `<div class="code-block"><div class="code-head"><span>${escapeHtml(language || 'code')}</span>` +
        `<button type="button" class="copy-code" data-copy-code aria-label="Copy code">Copy</button></div>` +
        `<pre><code class="hljs${known ? ` language-${known}` : ''}">${body}</code></pre></div>`
      );
    },
  },
});

// Links leave the app in a new window, without telling the site where they came from.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false });
  return DOMPurify.sanitize(html, { FORBID_TAGS: ['style', 'form', 'input', 'img'], FORBID_ATTR: ['style'] });
}

/** The click handler for a rendered reply: its code blocks' Copy buttons. */
export async function copyCodeOnClick(event: MouseEvent): Promise<void> {
  const button = (event.target as Element | null)?.closest('[data-copy-code]');
  const code = button?.closest('.code-block')?.querySelector('code');
  if (!button || !code) return;
  await navigator.clipboard.writeText(code.textContent ?? '');
  button.textContent = 'Copied';
  setTimeout(() => (button.textContent = 'Copy'), 1_500);
}
