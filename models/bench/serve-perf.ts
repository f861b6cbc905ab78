import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { Assistant } from '../api/assistant.js';
import { startWebServer, type WebServer } from '../api/http-server.js';
import type { Embedder } from '../embed/embedder.js';
import { ScriptedChatModel } from '../llm/scripted-model.js';
import { loadSyntheticMemories } from './app-perf.js';
import { quantile, round } from './stats.js';

export interface ServeFigures {
  memories: number;
  /** Requests in flight at once. */
  concurrency: number;
  rounds: number;
  /** Each round: half `memory.search` over the HTTP API, half MCP `search_memories` over /mcp, all at once. */
  search_p50_ms: number;
  search_p95_ms: number;
  /** Each round: `concurrency` chat turns at once over the HTTP API, from the request to its first streamed token (the model answers instantly). */
  first_token_p50_ms: number;
  first_token_p95_ms: number;
}

type Progress = (stage: string, done: number, total: number) => void;

/**
 * Web mode under several clients at once (issue 17): the chat page, MCP
 * hosts and scripts searching the same profile of synthetic memories
 * through the real server on 127.0.0.1, each round's requests started
 * together. The model answers at once, so the first-token time is the
 * app's own: queueing, query embedding, retrieval and distillation.
 */
export async function measureServe(embedder: Embedder, memories: number, concurrency: number, rounds: number, onProgress?: Progress): Promise<ServeFigures> {
  const profileDir = mkdtempSync(join(tmpdir(), 'memr1-bench-serve-'));
  const mcpClients: Client[] = [];
  let assistant: Assistant | undefined;
  let server: WebServer | undefined;
  try {
    await loadSyntheticMemories(profileDir, embedder, memories, onProgress);
    assistant = await Assistant.open({ profileDir, embedder, chatModel: new ScriptedChatModel([], 'Okay, noted.', 'instant') });
    server = await startWebServer({ assistant });
    for (let i = 0; i < Math.ceil(concurrency / 2); i++) mcpClients.push(await connectMcp(server, `bench ${i}`));
    const web = server;
    // One warm-up round each: the vector mirror is read and the workers compile at first use.
    await searchRound(web, mcpClients, concurrency, -1);
    await chatRound(web, concurrency, -1);
    const searches: number[] = [];
    const firstTokens: number[] = [];
    for (let round = 0; round < rounds; round++) {
      searches.push(...(await searchRound(web, mcpClients, concurrency, round)));
      firstTokens.push(...(await chatRound(web, concurrency, round)));
      onProgress?.('serve: concurrent rounds', round + 1, rounds);
    }
    return {
      memories,
      concurrency,
      rounds,
      search_p50_ms: round(quantile(searches, 0.5)),
      search_p95_ms: round(quantile(searches, 0.95)),
      first_token_p50_ms: round(quantile(firstTokens, 0.5)),
      first_token_p95_ms: round(quantile(firstTokens, 0.95)),
    };
  } finally {
    await Promise.allSettled(mcpClients.map((client) => client.close()));
    await server?.close();
    await assistant?.close();
    rmSync(profileDir, { recursive: true, force: true });
  }
}

async function connectMcp(server: WebServer, name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.mcpUrl), { requestInit: { headers: { authorization: `Bearer ${server.mcpToken}` } } }));
  return client;
}

/** `concurrency` searches started together, every query a new text (no embedding is cached); each one's time. */
async function searchRound(server: WebServer, mcp: readonly Client[], concurrency: number, round: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      const query = `What did they say about the garden and the new flat, round ${round} caller ${i}?`;
      const started = performance.now();
      if (i % 2 === 0) {
        const response = await api(server, 'memory.search', { query, k: 20 });
        if (!response.ok) throw new Error(`memory.search answered ${response.status}: ${await response.text()}`);
        await response.json();
      } else {
        const result = await mcp[(i - 1) / 2]!.callTool({ name: 'search_memories', arguments: { query } });
        if (result.isError) throw new Error(`search_memories failed: ${JSON.stringify(result.content)}`);
      }
      return performance.now() - started;
    }),
  );
}

/** `concurrency` chat turns started together; each one's time to its first token. */
async function chatRound(server: WebServer, concurrency: number, round: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      const started = performance.now();
      const response = await api(server, 'chat.send', { text: `Remind me what I said about running, round ${round} caller ${i}.`, session_id: `bench-${i}` });
      if (!response.ok || !response.body) throw new Error(`chat.send answered ${response.status}: ${await response.text()}`);
      let firstToken: number | undefined;
      for await (const message of response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream())) {
        const event = JSON.parse(message.data) as { type: string; message?: string };
        if (event.type === 'error') throw new Error(`chat turn failed: ${event.message}`);
        if (event.type === 'token') firstToken ??= performance.now();
      }
      if (firstToken === undefined) throw new Error('a chat turn streamed no token');
      return firstToken - started;
    }),
  );
}

function api(server: WebServer, route: string, input: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}/api/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` }, body: JSON.stringify(input) });
}
