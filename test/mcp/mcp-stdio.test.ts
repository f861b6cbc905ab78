import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { Assistant } from '../../models/api/assistant.js';
import { call } from '../helpers/assistant.js';
import { exited, waitForLine } from '../helpers/child-process.js';
import { realEmbedder } from '../helpers/embedder.js';
import { useTempDirs } from '../helpers/temp-dir.js';
import { runMemr1 } from '../helpers/memr1-cli.js';
import { postApi } from '../helpers/web-client.js';
import { callTool, toolValue, type OperationFacts } from './mcp-client.js';
import { launchMcp as launchStdioMcp, MEMR1_BIN as BIN } from './mcp-launch.js';

const tempDir = useTempDirs();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `memr1 mcp` as a host launches it, closed after the test. */
async function launchMcp(profileDir: string, clientName: string): Promise<{ client: Client; stderr: () => string }> {
  const launched = await launchStdioMcp(profileDir, clientName);
  cleanups.push(() => launched.client.close());
  return launched;
}

/** `memr1 serve` on the profile, with the address and token it prints. */
async function serve(profileDir: string): Promise<{ child: ChildProcessWithoutNullStreams; port: number; token: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--profile', profileDir], { env: { ...process.env, MEMR1_HOME: join(profileDir, 'home') }, stdio: 'pipe' });
  cleanups.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
  const line = await waitForLine(child, (l) => l.includes('#token='));
  const [, port, token] = /127\.0\.0\.1:(\d+)\/#token=([\w-]+)/.exec(line)!;
  return { child, port: Number(port), token: token! };
}

describe('memr1 mcp (stdio, a separate process)', () => {
  it('opens the profile itself when nothing holds it: every tool answers, writes carry the client name, and the profile is released at the end', async () => {
    const profileDir = tempDir();
    const { client, stderr } = await launchMcp(profileDir, 'Stdio Host');
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['forget', 'recent_operations', 'remember', 'search_memories']);

    const { operations } = await toolValue<{ operations: OperationFacts[] }>(client, 'remember', { text: 'I play the cello on Sundays.' });
    expect(operations).toEqual([expect.objectContaining({ kind: 'ADD', origin: 'mcp:Stdio Host/manager@prior', status: 'applied' })]);
    const memoryId = operations[0]!.memory_id!;
    const found = await toolValue<{ memories: Array<{ id: string }> }>(client, 'search_memories', { query: 'What instrument do I play?' });
    expect(found.memories.map((m) => m.id)).toContain(memoryId);
    const forgot = await toolValue<OperationFacts>(client, 'forget', { id: memoryId });
    expect(forgot).toMatchObject({ kind: 'DELETE', origin: 'mcp:Stdio Host' });
    const recent = await toolValue<{ operations: OperationFacts[] }>(client, 'recent_operations', {});
    expect(recent.operations.map((op) => [op.kind, op.origin])).toEqual([
      ['DELETE', 'mcp:Stdio Host'],
      ['ADD', 'mcp:Stdio Host/manager@prior'],
    ]);
    expect(await callTool(client, 'forget', { id: memoryId })).toEqual({ ok: false, text: expect.stringMatching(/^NOT_FOUND: /) });
    expect(stderr()).toContain(`opened ${profileDir}`);

    await client.close();
    // The store was flushed and the lock released: the profile opens here, with the client's operations in its journal, and the delete undoes.
    await waitUntilOpens(profileDir, async (assistant) => {
      const review = await call(assistant, 'ops.list', { status: 'applied' });
      expect(review.items.map((op) => op.origin)).toEqual(['mcp:Stdio Host', 'mcp:Stdio Host/manager@prior']);
      await call(assistant, 'memory.undo', { op_id: forgot.op_id });
      expect(await call(assistant, 'memory.get', { id: memoryId })).toMatchObject({ text: 'I play the cello on Sundays.' });
    });
  });

  it('writes nothing but JSON-RPC messages on stdout (the embedder and the engine log to stderr), and exits 0 when the host closes stdin', async () => {
    const profileDir = tempDir();
    const child = spawn(process.execPath, [BIN, 'mcp', '--profile', profileDir], { env: { ...process.env, MEMR1_HOME: join(profileDir, 'home') }, stdio: 'pipe' });
    cleanups.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const lines: string[] = [];
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw host', version: '1' } } });
    await waitForLine(child, (line) => line.includes('"id":1'), (line) => lines.push(line));
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'remember', arguments: { text: 'I run every morning.' } } });
    await waitForLine(child, (line) => line.includes('"id":2'));
    child.stdin.end();
    await exited(child);
    expect(child.exitCode).toBe(0);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
  });

  it('forwards to the memr1 serve that holds the profile, and opens the profile itself once that serve is gone', async () => {
    const profileDir = tempDir();
    const served = await serve(profileDir);
    const discovery = join(profileDir, 'serve.json');
    expect(statSync(discovery).mode & 0o777).toBe(0o600);
    // Serve's MCP token is the profile's kept one (the desktop app uses the same), and Settings reads it over the page's API.
    const tokenFile = join(profileDir, 'mcp-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(await (await postApi(served, 'tools.endpoints', { reveal_token: true })).json()).toEqual({
      mcp_url: `http://127.0.0.1:${served.port}/mcp`,
      mcp_token: readFileSync(tokenFile, 'utf8'),
      proxy_url: `http://127.0.0.1:${served.port}/v1`,
      notice: null,
    });

    const { client, stderr } = await launchMcp(profileDir, 'Forwarded Host');
    const { operations } = await toolValue<{ operations: OperationFacts[] }>(client, 'remember', { text: 'My favourite tea is genmaicha.' });
    expect(stderr()).toMatch(/forwarding to memr1 serve \(pid \d+/);
    // The write went through the serving process: its API has it, under the client's name.
    const review = (await (await postApi(served, 'ops.list', { status: 'applied' })).json()) as { items: OperationFacts[] };
    expect(review.items).toEqual([expect.objectContaining({ op_id: operations[0]!.op_id, origin: 'mcp:Forwarded Host/manager@prior' })]);
    await client.close();

    served.child.kill('SIGTERM');
    await exited(served.child);
    expect(existsSync(discovery)).toBe(false);

    // A discovery file left by a process that died is ignored: this one opens the profile.
    writeFileSync(discovery, JSON.stringify({ pid: await deadPid(), host: hostname(), url: 'http://127.0.0.1:9', token: 'stale', since: new Date().toISOString() }), { mode: 0o600 });
    const alone = await launchMcp(profileDir, 'Later Host');
    const recent = await toolValue<{ operations: OperationFacts[] }>(alone.client, 'recent_operations', {});
    expect(recent.operations.map((op) => op.op_id)).toEqual([operations[0]!.op_id]);
    expect(alone.stderr()).toContain(`opened ${profileDir}`);
  });

  it('refuses, saying what to do, while a process that announced nothing to forward to (another memr1 command) holds the profile', async () => {
    const profileDir = tempDir();
    const holder = await Assistant.open({ profileDir, embedder: await realEmbedder() });
    cleanups.push(() => holder.close());
    const result = await runMemr1(join(profileDir, 'home'), ['mcp', '--profile', profileDir]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/in use by another process \(pid \d+.*offers nothing to forward to \(another memr1 command.*memr1 serve --profile.*\[PROFILE_LOCKED\]/s);
  });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

/** Opens the profile in this process once the child has let it go (it exits right after the host closes its stdin). */
async function waitUntilOpens(profileDir: string, check: (assistant: Assistant) => Promise<void>): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const assistant = await Assistant.open({ profileDir, embedder: await realEmbedder() });
      try {
        return await check(assistant);
      } finally {
        await assistant.close();
      }
    } catch (error) {
      if (!/PROFILE_LOCKED|in use by another process/.test(String(error)) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
