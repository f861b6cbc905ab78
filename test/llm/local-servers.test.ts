import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { findLocalServers } from '../../models/llm/local-servers.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { startOpenAiChatServer, type OpenAiChatServer } from '../helpers/openai-chat-server.js';

const portOf = (url: string) => Number(new URL(url).port);
const open: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const server of open.splice(0)) await server.close();
});

/** A port nothing listens on: taken, then given back. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('finding the chat servers running on this machine', () => {
  it('lists the servers that answer a model list, with their models, and leaves out closed, hung and foreign ports', async () => {
    const ollama: OpenAiChatServer = await startOpenAiChatServer({ models: ['llama3.1:8b', 'qwen2.5:7b'], reply: () => 'hi' });
    const lmStudio: OpenAiChatServer = await startOpenAiChatServer({ models: ['qwen2.5-7b-instruct'], reply: () => 'hi' });
    const hung: TestServer = await startServer(() => undefined); // accepts, never answers
    const foreign: TestServer = await startServer((_req, _body, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a web app</html>'));
    open.push(ollama, lmStudio, hung, foreign);
    const candidates = [
      { name: 'Ollama', port: portOf(ollama.baseUrl) },
      { name: 'LM Studio', port: portOf(lmStudio.baseUrl) },
      { name: 'llama.cpp', port: await closedPort() },
      { name: 'Jan', port: portOf(hung.url) },
      { name: 'vLLM', port: portOf(foreign.url) },
    ];
    expect(await findLocalServers(candidates)).toEqual([
      { name: 'Ollama', base_url: ollama.baseUrl, models: ['llama3.1:8b', 'qwen2.5:7b'] },
      { name: 'LM Studio', base_url: lmStudio.baseUrl, models: ['qwen2.5-7b-instruct'] },
    ]);
    // Only 127.0.0.1 is asked.
    expect(ollama.requests.map((r) => [r.method, r.path, r.headers.host])).toEqual([['GET', '/v1/models', `127.0.0.1:${portOf(ollama.baseUrl)}`]]);
  });
});
