/**
 * The one route table (DESIGN §8): every route's input schema and its output
 * (unary) or event (stream) schema. Transports (HTTP here, Electron IPC later)
 * are generated from it; the renderer imports it for types. Browser-safe: zod
 * and plain constants only.
 */
import { z } from 'zod';
import { OP_STATUSES } from '../memory/records.js';
import { ONNX_DTYPES, type OnnxDtype } from '../llm/onnx-dtype.js';
import { AnswerFeedbackView, LEARNING_AGENTS, LearningSettings, PolicyVersionView, TrainingEvent, TrainingPoint, TrainingStatus } from './learning-schemas.js';
import { MCP_ACCESS, McpClientView } from './mcp-client-schemas.js';
import { CLIENT_ORIGIN_PATTERN } from './origins.js';
import { ScopeName } from './scopes.js';
import { ToolEndpointsView } from './tool-endpoints-schemas.js';
import { ChatEvent, ChatMessageView, ChatSessionView, DEVICE_CHOICES, RestoreReportView, TableVersionsView, MAX_SYSTEM_PROMPT_CHARS, DownloadEvent, MemoryView, OperationView, Settings, StoreHealthView, THEMES } from './schemas.js';

// Bounds at the boundary; the store checks content (control characters, broken Unicode, dates) itself.
const id = z.string().min(1).max(100);
const memoryText = z.string().min(1).max(4_000);
const subject = z.string().min(1).max(200);
const time = z.string().min(1).max(100);
const spec = z.string().min(1).max(2_000);
/** A chat message; longer pastes belong in a file, not a turn. */
const MAX_CHAT_CHARS = 8_000;
/** A JSON export carries every vector (about 3 kB a memory); see `bodyLimit`. */
const MAX_IMPORT_CHARS = 64 * 1024 * 1024;

/** Another tool's name for the journal (`mcp:<client>`): its changes are reviewable like the Memory Manager's. */
const clientOrigin = z.string().regex(CLIENT_ORIGIN_PATTERN, 'an origin is "mcp:" or "proxy:" and a client name (no "/")');
const filter = { subject: subject.optional(), from: time.optional(), to: time.optional(), scope: ScopeName.optional() };
const noInput = z.strictObject({});
const items = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

const unary = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O) => ({ kind: 'unary' as const, input, output });
const stream = <I extends z.ZodType, E extends z.ZodType>(input: I, event: E) => ({ kind: 'stream' as const, input, event });

export const ROUTES = {
  'chat.history': unary(z.strictObject({ session_id: id.optional() }), z.object({ session_id: z.string(), title: z.string(), scope: z.string(), messages: z.array(ChatMessageView) })),
  /**
   * `temporary`: "don't remember this": no memory is read or written and the messages are not stored.
   * `scope`: a new conversation's scope (default `personal`), which it reads and writes from then on; a
   * conversation that began in another scope is refused (CONFLICT): its memories stay where they were told.
   */
  'chat.send': stream(z.strictObject({ text: z.string().min(1).max(MAX_CHAT_CHARS), session_id: id.optional(), temporary: z.boolean().optional(), scope: ScopeName.optional() }), ChatEvent),
  /** Stop: the reply in progress ends with what has arrived (`done` with outcome `stopped`); the turn's stream goes on to its operations. */
  'chat.stop': unary(z.strictObject({ turn_id: id }), z.object({ stopped: z.boolean() })),
  /** The chat a message belongs to: a memory's sources open the chat at the message it came from. */
  'chat.locate': unary(z.strictObject({ message_id: id }), z.object({ session_id: z.string(), message_id: z.string() })),
  /** The conversations, newest first; `query` keeps those with a message (or a title) holding that text. */
  'chat.sessions': unary(z.strictObject({ query: z.string().max(200).optional() }), items(ChatSessionView)),
  'chat.rename': unary(z.strictObject({ session_id: id, title: z.string().trim().min(1).max(200) }), ChatSessionView),
  /** Hides a conversation from the list, or (`deleted: false`) brings it back: the undo. */
  'chat.delete': unary(z.strictObject({ session_id: id, deleted: z.boolean().default(true) }), ChatSessionView),
  /** Thumbs up / down on a reply, or the user's corrected answer: rewards for the Answer Agent (recorded only while learning is on). */
  'chat.feedback': unary(
    z.discriminatedUnion('kind', [
      z.strictObject({ message_id: id, kind: z.literal('answer_up') }),
      z.strictObject({ message_id: id, kind: z.literal('answer_down') }),
      z.strictObject({ message_id: id, kind: z.literal('answer_corrected'), correction: z.string().min(1).max(MAX_CHAT_CHARS) }),
    ]),
    AnswerFeedbackView,
  ),

  'memory.list': unary(
    z.strictObject({ offset: z.number().int().min(0).max(1_000_000_000).default(0), limit: z.number().int().min(1).max(1_000).default(50), ...filter }),
    z.object({ total: z.number().int(), items: z.array(MemoryView) }),
  ),
  'memory.search': unary(
    z.strictObject({ query: memoryText, k: z.number().int().min(1).max(200).default(20), ...filter }),
    items(z.object({ memory: MemoryView, score: z.number() })),
  ),
  /** The Answer Agent's retrieval and distillation, as a chat turn does it before its reply: the memories it keeps for `query`. */
  'memory.recall': unary(z.strictObject({ query: memoryText, scope: ScopeName.optional() }), items(MemoryView)),
  /** Text another tool sends: the Memory Manager decides what it changes, as after a chat turn; its operations are journaled with the client in their origin. */
  'memory.remember': unary(z.strictObject({ text: z.string().min(1).max(MAX_CHAT_CHARS), subject: subject.default('user'), origin: clientOrigin, scope: ScopeName.optional() }), items(OperationView)),
  'memory.get': unary(z.strictObject({ id }), MemoryView),
  'memory.add': unary(z.strictObject({ text: memoryText, subject: subject.default('user'), event_time: time.optional(), scope: ScopeName.optional() }), OperationView),
  /** `scope`: moves the memory to another scope (journaled, undoable like any edit). */
  'memory.edit': unary(z.strictObject({ id, text: memoryText.optional(), subject: subject.optional(), event_time: time.optional(), scope: ScopeName.optional() }), OperationView),
  /** `origin`: another tool asked (MCP `forget`); the delete then waits in Review. `scope`: the caller's scope; a memory outside it is NOT_FOUND. */
  'memory.delete': unary(z.strictObject({ id, origin: clientOrigin.optional(), scope: ScopeName.optional() }), OperationView),
  /** The scopes that hold memories or conversations, with how many memories each holds; `personal` always. */
  'memory.scopes': unary(noInput, items(z.object({ scope: z.string(), memories: z.number().int() }))),
  'memory.history': unary(z.strictObject({ id }), items(OperationView)),
  'memory.undo': unary(z.strictObject({ op_id: id }), OperationView),
  'memory.export': unary(z.strictObject({ format: z.enum(['json', 'markdown']) }), z.object({ filename: z.string(), content: z.string() })),
  /** Deletes every memory, journaled as one group: `memory.undo_clear` with the returned id brings them all back. */
  'memory.clear': unary(noInput, z.object({ clear_id: z.string(), cleared: z.number().int() })),
  'memory.undo_clear': unary(z.strictObject({ clear_id: id }), z.object({ restored: z.number().int() })),
  'memory.import': unary(z.strictObject({ content: z.string().min(1).max(MAX_IMPORT_CHARS) }), z.object({ imported: z.number().int() })),

  /** `scope`: only operations on memories of that scope (before or after the change). */
  'ops.list': unary(z.strictObject({ status: z.enum(OP_STATUSES).optional(), turn_id: id.optional(), scope: ScopeName.optional(), limit: z.number().int().min(1).max(1_000).default(50) }), items(OperationView)),
  'ops.accept': unary(z.strictObject({ op_id: id }), OperationView),
  'ops.reject': unary(z.strictObject({ op_id: id }), OperationView),
  'ops.edit': unary(z.strictObject({ op_id: id, text: memoryText }), OperationView),
  /** Takes an out-of-date operation (its memory changed since) off the review queue, unjudged: it becomes `superseded`. */
  'ops.dismiss': unary(z.strictObject({ op_id: id }), OperationView),

  'models.list': unary(
    noInput,
    z.object({
      current: z.string().nullable(),
      installed: z.array(z.object({ id: z.string(), dtypes: z.array(z.string()), bytes: z.number() })),
      suggested: z.array(z.object({ id: z.string(), description: z.string() })),
    }),
  ),
  'models.select': unary(z.strictObject({ spec }), Settings),
  /** The models an OpenAI-compatible server lists at `GET <base_url>/models` (with the stored API key). */
  'models.server_models': unary(z.strictObject({ base_url: z.string().url().max(2_000) }), z.object({ models: z.array(z.string()) })),
  /** OpenAI-compatible servers already running on this machine (Ollama, LM Studio, llama.cpp, Jan, vLLM at their default ports), with their models. */
  'models.local_servers': unary(noInput, items(z.object({ name: z.string(), base_url: z.string(), models: z.array(z.string()) }))),
  'models.status': unary(
    noInput,
    z.object({
      chat: z.object({
        spec: z.string().nullable(),
        ready: z.boolean(),
        info: z.object({ id: z.string(), backend: z.string(), device: z.string(), deviceReason: z.string().optional() }).optional(),
        error: z.string().optional(),
        /** The model's last call (a chat reply): the status dot is green only when it worked. */
        last_call: z.object({ ok: z.boolean(), at: z.string(), error: z.string().optional() }).nullable(),
      }),
      embedder: z.object({ spec: z.string(), dimension: z.number().int() }),
    }),
  ),
  'models.download': stream(
    z.strictObject({ id: z.string().min(3).max(200), dtype: z.enum(Object.keys(ONNX_DTYPES) as [OnnxDtype, ...OnnxDtype[]]).optional() }),
    DownloadEvent,
  ),

  'training.status': unary(noInput, TrainingStatus),
  /** Opt in or out, choose GRPO or PPO, the schedule. */
  'training.configure': unary(z.strictObject(LearningSettings.partial().shape), TrainingStatus),
  /** "Train now": refused (CONFLICT) while learning is off or a run is in progress. */
  'training.start': stream(z.strictObject({ agents: z.array(z.enum(LEARNING_AGENTS)).min(1).max(2).optional() }), TrainingEvent),
  /** Stops the run in progress; the current policies stay in use. */
  'training.stop': unary(noInput, TrainingStatus),
  /** The curves of a run (default: the running or the last one). */
  'training.metrics': unary(z.strictObject({ run_id: id.optional() }), z.object({ run_id: z.string().nullable(), points: z.array(TrainingPoint) })),
  'training.versions': unary(z.strictObject({ agent: z.enum(LEARNING_AGENTS) }), items(PolicyVersionView)),
  /** Makes the version before the current one current again. */
  'training.rollback': unary(z.strictObject({ agent: z.enum(LEARNING_AGENTS) }), z.object({ agent: z.enum(LEARNING_AGENTS), version: z.string() })),
  /** Deletes the feedback and the episodes learned from (memories, messages and policy versions stay). */
  'training.delete_data': unary(noInput, z.object({ feedback: z.number().int(), episodes: z.number().int() })),

  /** The memory database: tables readable, versions kept, disk used, last compaction, post-commit warnings (as `memr1 doctor`). */
  'store.health': unary(noInput, StoreHealthView),
  /** Each table's newest versions and whether they read (as `memr1 memory restore --list`): the restore points. */
  'store.versions': unary(noInput, items(TableVersionsView)),
  /**
   * Rolls damaged tables back to their newest readable version, or `table` (default memories) to `to`, then replays
   * the journal unless `replay` is false (as `memr1 memory restore`). The profile's memory is closed meanwhile:
   * other calls are refused with CONFLICT until it reopens.
   */
  'store.restore': unary(
    z.strictObject({ table: z.string().min(1).max(100).optional(), to: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(), replay: z.boolean().default(true) }),
    RestoreReportView,
  ),

  /** The MCP clients seen, with their switches (Settings). */
  'mcp.clients': unary(noInput, items(McpClientView)),
  'mcp.configure_client': unary(z.strictObject({ name: z.string().min(1).max(100), enabled: z.boolean().optional(), access: z.enum(MCP_ACCESS).optional(), scope: ScopeName.optional() }), McpClientView),
  /** Asked by the MCP server before each call: records the client, and refuses (CONFLICT) one the user turned off, or a write by a read-only one. */
  'mcp.admit': unary(z.strictObject({ client: clientOrigin, write: z.boolean() }), McpClientView),
  /** Where other tools reach the memory (`/mcp`, `/v1`); answered by the transport that serves them, not the profile. */
  'tools.endpoints': unary(z.strictObject({ reveal_token: z.boolean().default(false) }), ToolEndpointsView),

  'settings.get': unary(noInput, Settings),
  'settings.update': unary(
    z.strictObject({
      chat_model: spec.nullable().optional(),
      embedder: spec.optional(),
      device: z.enum(DEVICE_CHOICES).optional(),
      theme: z.enum(THEMES).optional(),
      temperature: z.number().min(0).max(2).optional(),
      system_prompt: z.string().max(MAX_SYSTEM_PROMPT_CHARS).optional(),
      /** Stored, never returned; null forgets it. Used for OpenAI-compatible servers. */
      api_key: z.string().trim().min(1).max(1_000).nullable().optional(),
    }),
    Settings,
  ),
} as const;

export type RouteName = keyof typeof ROUTES;
type Route<R extends RouteName> = (typeof ROUTES)[R];
export type UnaryRouteName = { [R in RouteName]: Route<R>['kind'] extends 'unary' ? R : never }[RouteName];
export type StreamRouteName = { [R in RouteName]: Route<R>['kind'] extends 'stream' ? R : never }[RouteName];

/** What a caller sends (defaults not yet applied). */
export type RouteInput<R extends RouteName> = z.input<Route<R>['input']>;
/** What a handler receives: the input after validation, defaults applied. */
export type ParsedInput<R extends RouteName> = z.output<Route<R>['input']>;
export type RouteOutput<R extends UnaryRouteName> = z.output<(typeof ROUTES)[R]['output']>;
export type RouteEvent<R extends StreamRouteName> = z.output<(typeof ROUTES)[R]['event']>;

export function isRouteName(name: string): name is RouteName {
  // Own keys only: `constructor` or `__proto__` must never name a route.
  return Object.hasOwn(ROUTES, name);
}

/** The largest request body a route accepts, in bytes. */
export function bodyLimit(route: RouteName): number {
  return route === 'memory.import' ? MAX_IMPORT_CHARS + 1024 : 1024 * 1024;
}
