import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** The compiled CLI (`npm run build` first). */
export const MEMR1_BIN = fileURLToPath(new URL('../../bin/memr1.js', import.meta.url));

/** `memr1 mcp` as a host launches it (the compiled build), driven by the SDK's own client; its stderr is collected. Close the client to end it. */
export async function launchMcp(profileDir: string, clientName: string): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MEMR1_BIN, 'mcp', '--profile', profileDir],
    env: { ...(process.env as Record<string, string>), MEMR1_HOME: join(profileDir, 'home') },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: clientName, version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}
