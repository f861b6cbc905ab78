import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { clientOrigin } from '../../contract/origins.js';
import type { RouteOutput } from '../../contract/routes.js';
import type { McpClientView } from '../../contract/mcp-client-schemas.js';
import type { MemoryView, OperationView } from '../../contract/schemas.js';
import { OP_STATUSES } from '../../memory/records.js';
import type { Dispatch } from '../dispatch.js';
import { toolResult } from './tool-result.js';

/** The server's name and version in the MCP handshake. */
const SERVER_INFO = { name: 'memr1', version: '0.1.0' };
/** Memories per subject a resource read returns (`memory.list`'s largest page). */
const SUBJECT_PAGE = 1_000;
/** Pages of `memory.list` read to find the subjects for `resources/list` (10,000 memories). */
const SUBJECT_SCAN_PAGES = 10;

const memoryFacts = (m: MemoryView) => ({ id: m.id, text: m.text, event_time: m.event_time, subject: m.subject });
const operationFacts = (op: OperationView) => ({
  op_id: op.op_id,
  at: op.at,
  kind: op.kind,
  memory_id: op.memory_id,
  text: (op.after ?? op.before)?.text ?? op.fact?.text ?? null,
  origin: op.origin,
  status: op.status,
});

/**
 * The memory as an MCP server (issue 17): tools to search, remember, forget
 * and see recent operations, and one resource per subject. Every call goes
 * through `dispatch`, the API's one entry, so this server works the same on
 * an Assistant in this process and forwarded to the process that holds the
 * profile. Writes carry the client's name from its `initialize` request
 * (`mcp:<name>`), so the user can review and undo them.
 */
export function createMemoryMcpServer(dispatch: Dispatch): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions:
      "The user's long-term memory (Memory-R1). Call search_memories before answering a question that may depend on what the user told you before; " +
      'call remember with a fact the user shares about themselves. Every change waits in the Memory-R1 app, where the user can accept, reject or undo it.',
  });
  const origin = () => clientOrigin(server.server.getClientVersion()?.name);
  /**
   * Each call first asks the profile's holder whether this client may (the user's switches in Settings), so a
   * change there applies at once; the answer names the one scope the client reads and writes, which every call then carries.
   */
  const admission = (write: boolean) => dispatch('mcp.admit', { client: origin(), write });
  const admitted = async (write: boolean, call: (scope: string) => Promise<CallToolResult>): Promise<CallToolResult> => {
    const answer = await admission(write);
    return answer.ok ? call((answer.output as McpClientView).scope) : toolResult(answer, () => null);
  };
  const admitRead = async (): Promise<string> => {
    const answer = await admission(false);
    if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
    return (answer.output as McpClientView).scope;
  };

  server.registerTool(
    'search_memories',
    {
      title: 'Search memories',
      description: "The memories that matter for a question or topic, chosen the way Memory-R1's own chat chooses them (60 candidates, distilled by its Answer Agent).",
      inputSchema: { query: z.string().min(1).max(4_000).describe('the question or topic, in words') },
      annotations: { readOnlyHint: true },
    },
    ({ query }) => admitted(false, async (scope) => toolResult<RouteOutput<'memory.recall'>>(await dispatch('memory.recall', { query, scope }), (out) => ({ memories: out.items.map(memoryFacts) }))),
  );

  server.registerTool(
    'remember',
    {
      title: 'Remember',
      description: 'Tells the memory something worth keeping; its Memory Manager decides whether to add, update or delete memories, or do nothing. The changes wait for the user\'s review.',
      inputSchema: {
        text: z.string().min(1).max(8_000).describe('what the user said or the fact to keep, in a sentence or a few'),
        subject: z.string().min(1).max(200).optional().describe('whom it is about (default "user")'),
      },
    },
    ({ text, subject }) =>
      admitted(true, async (scope) =>
        toolResult<RouteOutput<'memory.remember'>>(await dispatch('memory.remember', { text, ...(subject ? { subject } : {}), origin: origin(), scope }), (out) => ({
          operations: out.items.map(operationFacts),
        })),
      ),
  );

  server.registerTool(
    'forget',
    {
      title: 'Forget a memory',
      description: 'Deletes one memory by its id (from search_memories). The delete is journaled: the user can reject it in Review, which brings the memory back.',
      inputSchema: { id: z.string().min(1).max(100).describe("the memory's id") },
      annotations: { destructiveHint: true, idempotentHint: false },
    },
    ({ id }) => admitted(true, async (scope) => toolResult<RouteOutput<'memory.delete'>>(await dispatch('memory.delete', { id, origin: origin(), scope }), operationFacts)),
  );

  server.registerTool(
    'recent_operations',
    {
      title: 'Recent memory operations',
      description: 'The latest changes to memory, newest first: what was added, updated or deleted, by whom (origin), and whether the user has reviewed it (status).',
      inputSchema: {
        limit: z.number().int().min(1).max(200).optional().describe('how many (default 20)'),
        status: z.enum(OP_STATUSES).optional().describe('only operations with this status (applied: awaiting review)'),
      },
      annotations: { readOnlyHint: true },
    },
    ({ limit, status }) =>
      admitted(false, async (scope) =>
        toolResult<RouteOutput<'ops.list'>>(await dispatch('ops.list', { limit: limit ?? 20, scope, ...(status ? { status } : {}) }), (out) => ({ operations: out.items.map(operationFacts) })),
      ),
  );

  server.registerResource(
    'memories-by-subject',
    new ResourceTemplate('memory://subject/{subject}', {
      list: async () => {
        const scope = await admitRead();
        return { resources: (await subjects(dispatch, scope)).map(subjectResource) };
      },
    }),
    { title: 'Memories about a subject', description: 'Every memory about one subject (the user, the assistant, a person), one a line with its time and id.', mimeType: 'text/plain' },
    async (uri, { subject }) => {
      const scope = await admitRead();
      const name = decodeURIComponent(String(subject));
      const result = await dispatch('memory.list', { subject: name, scope, limit: SUBJECT_PAGE });
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      const page = result.output as RouteOutput<'memory.list'>;
      const lines = page.items.map((m) => `${m.event_time ?? 'undated'}: ${m.text} (id ${m.id})`);
      const more = page.total > page.items.length ? [`(${page.total - page.items.length} more; use search_memories)`] : [];
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: [...lines, ...more].join('\n') }] };
    },
  );

  return server;
}

function subjectResource(subject: string) {
  return { uri: `memory://subject/${encodeURIComponent(subject)}`, name: subject, title: `Memories about ${subject}`, mimeType: 'text/plain' };
}

/** The subjects of the memories in `scope` (read page by page through `memory.list`, so it works forwarded too). */
async function subjects(dispatch: Dispatch, scope: string): Promise<string[]> {
  const seen = new Set<string>();
  for (let page = 0; page < SUBJECT_SCAN_PAGES; page++) {
    const result = await dispatch('memory.list', { offset: page * SUBJECT_PAGE, limit: SUBJECT_PAGE, scope });
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    const { items, total } = result.output as RouteOutput<'memory.list'>;
    for (const memory of items) seen.add(memory.subject);
    if ((page + 1) * SUBJECT_PAGE >= total) break;
  }
  return [...seen].sort();
}
