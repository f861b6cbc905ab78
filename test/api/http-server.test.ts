import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { startWebServer, type WebServer } from '../../models/api/http-server.js';
import { SCRIPTED_REPLY, scriptedAssistantModel } from '../helpers/assistant.js';
import { realEmbedder } from '../helpers/embedder.js';
import { startOpenAiChatServer } from '../helpers/openai-chat-server.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { postApi, rawRequest, sseEvents } from '../helpers/web-client.js';

const tempDir = useTempDirs();
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

const running: Array<{ assistant: Assistant; server: WebServer }> = [];
afterEach(async () => {
  for (const { assistant, server } of running.splice(0)) {
    await server.close();
    await assistant.close();
  }
});

/** A built-UI stand-in: an index page and one script. */
function staticSite(): string {
  const dir = tempDir('memr1-site-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Memory-R1 test page</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("memr1");');
  return dir;
}

async function serve(options: { staticDir?: string; assistant?: Assistant } = {}) {
  const assistant = options.assistant ?? (await Assistant.open({ profileDir: tempDir(), embedder: await realEmbedder(), chatModel: scriptedAssistantModel() }));
  const server = await startWebServer({ assistant, staticDir: options.staticDir ?? staticSite() });
  running.push({ assistant, server });
  return server;
}

describe('web mode: the HTTP transport on 127.0.0.1', () => {
  it('prints a local URL carrying the token, and every /api request needs that token', async () => {
    const server = await serve();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);

    const anonymous = await fetch(`http://127.0.0.1:${server.port}/api/settings.get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/token/) } });
    expect((await postApi({ port: server.port, token: `${server.token.slice(0, -1)}x` }, 'settings.get', {})).status).toBe(401);
    expect((await postApi({ port: server.port, token: '' }, 'settings.get', {})).status).toBe(401);

    const ok = await postApi(server, 'settings.get', {});
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ embedder: 'use-lite', chat_model: null });
  });

  it('sends strict security headers on pages and API answers alike', async () => {
    const server = await serve();
    for (const response of [await fetch(`http://127.0.0.1:${server.port}/`), await postApi(server, 'settings.get', {}), await postApi(server, 'nope', {})]) {
      expect(response.headers.get('content-security-policy')).toBe(CSP);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('refuses a Host that is not this machine (DNS rebinding), other methods, other content types and unknown routes', async () => {
    const server = await serve();
    const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
    const rebound = await rawRequest(server.port, { path: '/api/settings.get', headers: { ...auth, host: `evil.example:${server.port}` }, body: '{}' });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: { code: 'BAD_HOST' } });
    expect((await rawRequest(server.port, { method: 'GET', path: '/', headers: { host: `127.0.0.1.evil.example:${server.port}` } })).status).toBe(403);
    expect((await rawRequest(server.port, { method: 'GET', path: '/', headers: { host: `localhost:${server.port + 1}` } })).status).toBe(403);
    expect((await rawRequest(server.port, { path: '/api/settings.get', headers: { ...auth, host: `localhost:${server.port}` }, body: '{}' })).status).toBe(200);
    // Two Host headers, the first one allowed: ambiguous, so refused rather than judged by the first.
    const twice = await rawBytes(
      server.port,
      `POST /api/settings.get HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nHost: evil.example\r\nAuthorization: Bearer ${server.token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
    expect(twice).toMatch(/^HTTP\/1\.1 400 [\s\S]*"code":"BAD_INPUT"[\s\S]*more than one Host header/);

    expect((await fetch(`http://127.0.0.1:${server.port}/api/settings.get`, { headers: auth })).status).toBe(405);
    const form = await postApi(server, 'settings.get', {}, { headers: { authorization: `Bearer ${server.token}`, 'content-type': 'text/plain' } });
    expect(form.status).toBe(415);
    expect((await postApi(server, 'settings.delete', {})).status).toBe(404);
    expect((await postApi(server, 'constructor', {})).status).toBe(404);
    const bad = await postApi(server, 'memory.get', { id: 42 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'BAD_INPUT', message: expect.stringMatching(/^memory\.get: id: /) } });
  });

  it('refuses bodies over 1 MB with 413, whether declared or streamed in chunks, and keeps serving', async () => {
    const server = await serve();
    const huge = { text: 'x'.repeat(1024 * 1024) };
    const declared = await postApi(server, 'memory.add', huge);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const chunked = await rawRequest(server.port, {
      path: '/api/memory.add',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
      chunks: Array.from({ length: 20 }, () => chunk),
    });
    expect(chunked.status).toBe(413);
    expect((await postApi(server, 'memory.add', { text: 'The user likes tea.' })).status).toBe(200);
  });

  it('streams a chat turn as Server-Sent Events that a real SSE client parses, in order', async () => {
    const server = await serve();
    const response = await postApi(server, 'chat.send', { text: 'I moved to Lisbon in May.' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = [];
    for await (const event of sseEvents(response)) events.push(event);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('memories');
    expect(types.slice(-2)).toEqual(['done', 'operations']);
    expect(events.filter((e) => e.type === 'token').map((e) => e.text).join('').trim()).toBe(SCRIPTED_REPLY);
    expect(events.at(-1)).toMatchObject({ operations: [{ kind: 'ADD', after: { text: 'The user lives in Lisbon.' } }] });
    // Bad input to a stream route is a plain JSON 400, before any stream starts.
    const bad = await postApi(server, 'chat.send', { text: '' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('stops generating when the client disconnects mid-reply', async () => {
    const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
    const llm = await startOpenAiChatServer({ models: ['slow'], reply: (messages) => (messages.at(-1)!.content.includes('<conversation>') ? '{"facts": []}' : long), faults: { tokenDelayMs: 20 } });
    try {
      const profileDir = tempDir();
      writeFileSync(join(profileDir, 'settings.json'), JSON.stringify({ chat_model: `openai:${llm.baseUrl}#slow` }));
      const server = await serve({ assistant: await Assistant.open({ profileDir, embedder: await realEmbedder() }) });
      const client = new AbortController();
      const response = await postApi(server, 'chat.send', { text: 'Tell me a long story.' }, { signal: client.signal });
      let tokens = 0;
      await expect(
        (async () => {
          for await (const event of sseEvents(response)) if (event.type === 'token' && ++tokens === 3) client.abort();
        })(),
      ).rejects.toThrow();
      const reply = llm.chatRequests()[0]!;
      for (let i = 0; i < 100 && !reply.closedEarly; i++) await sleep(20);
      expect(reply.closedEarly).toBe(true);
      expect(reply.tokensSent).toBeLessThan(50);
    } finally {
      for (const { assistant, server } of running.splice(0)) {
        await server.close();
        await assistant.close();
      }
      await llm.close();
    }
  });

  it('serves the built UI: files, index.html for client-side routes, never a file outside the folder', async () => {
    const server = await serve();
    const base = `http://127.0.0.1:${server.port}`;
    const index = await fetch(`${base}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('Memory-R1 test page');
    const script = await fetch(`${base}/assets/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log("memr1");');
    expect(await (await fetch(`${base}/review/ops?x=1`)).text()).toContain('Memory-R1 test page');
    const traversal = await rawRequest(server.port, { method: 'GET', path: '/assets/../../../../etc/passwd' });
    expect(traversal.body).toContain('Memory-R1 test page');
    expect((await rawRequest(server.port, { method: 'GET', path: '/%2e%2e/%2e%2e/etc/passwd' })).body).toContain('Memory-R1 test page');
    expect((await rawRequest(server.port, { method: 'GET', path: '/%E0%A4%A' })).body).toContain('Memory-R1 test page');
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  });

  it('without a built UI, the page says how to build it', async () => {
    const server = await serve({ staticDir: join(tempDir(), 'missing') });
    const page = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('npm run build');
  });
});

/** Sends `text` as is over TCP (what an HTTP client library will not send) and returns the whole response. */
function rawBytes(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('end', () => resolve(response));
    socket.on('error', reject);
  });
}
