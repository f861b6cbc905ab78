import { afterEach, describe, expect, it } from 'vitest';
import { cosine } from '../../models/embed/embedder.js';
import { EmbeddingServerError, OpenAiEmbedder } from '../../models/embed/openai-embedder.js';
import { startServer, type TestServer } from '../helpers/http-server.js';

/** A deterministic bag-of-letters embedding, so similar texts get similar vectors. */
function letterVector(text: string): number[] {
  const v = new Array<number>(26).fill(0);
  for (const ch of text.toLowerCase()) {
    const i = ch.charCodeAt(0) - 97;
    if (i >= 0 && i < 26) v[i]! += 1;
  }
  return v;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function openAiServer(): Promise<TestServer> {
  return startServer((req, body, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
      res.writeHead(404).end();
      return;
    }
    const { model, input } = JSON.parse(body) as { model: string; input: string[] };
    if (model !== 'letters') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `model ${model} not found` } }));
      return;
    }
    // Out of order on purpose: clients must place vectors by `index`.
    const data = input.map((text, index) => ({ object: 'embedding', index, embedding: letterVector(text) })).reverse();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model }));
  });
}

describe('OpenAI-compatible embedder over real HTTP', () => {
  it('learns the dimension, embeds in batches and keeps input order', async () => {
    server = await openAiServer();
    const embedder = await OpenAiEmbedder.connect({ baseUrl: `${server.url}/v1`, model: 'letters', batchSize: 2 });
    expect(embedder.dimension).toBe(26);
    expect(embedder.id).toBe('openai:letters');
    const texts = ['aaa', 'bbb', 'abab', 'zzz', 'aab'];
    const vectors = await embedder.embed(texts);
    expect(vectors.map((v) => Array.from(v))).toEqual(texts.map(letterVector));
    expect(cosine(vectors[0]!, vectors[4]!)).toBeGreaterThan(cosine(vectors[0]!, vectors[3]!));
    // probe + 3 batches of at most 2
    expect(server.requests.map((r) => JSON.parse(r.body).input.length)).toEqual([1, 2, 2, 1]);
  });

  it('says the server is unreachable when nothing listens', async () => {
    server = await openAiServer();
    const url = server.url;
    await server.close();
    server = undefined;
    await expect(OpenAiEmbedder.connect({ baseUrl: `${url}/v1`, model: 'letters' })).rejects.toThrow(/cannot reach the embeddings server/);
  });

  it('reports an HTTP error with the status and the server message', async () => {
    server = await openAiServer();
    const failure = OpenAiEmbedder.connect({ baseUrl: `${server.url}/v1`, model: 'missing' });
    await expect(failure).rejects.toBeInstanceOf(EmbeddingServerError);
    await expect(failure).rejects.toThrow(/HTTP 404.*model missing not found/);
  });

  it('rejects a response that is not in the OpenAI format', async () => {
    server = await startServer((_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": "nope"}'));
    await expect(OpenAiEmbedder.connect({ baseUrl: `${server.url}/v1`, model: 'x' })).rejects.toThrow(/OpenAI's format/);
  });

  it('times out a server that never answers', async () => {
    server = await startServer(() => undefined);
    await expect(OpenAiEmbedder.connect({ baseUrl: `${server.url}/v1`, model: 'x', timeoutMs: 200 })).rejects.toThrow(/did not answer within 200 ms/);
  });
});
