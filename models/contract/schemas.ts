/**
 * The shapes the API speaks in (DESIGN §8), as zod schemas. The renderer
 * imports these too, so this file (and `routes.ts`) imports nothing but zod
 * and plain constants: no Node code.
 */
import { z } from 'zod';
import { OP_KINDS, OP_STATUSES } from '../memory/records.js';

/** A memory as the UI sees it: the record without its vector. */
export const MemoryView = z.object({
  id: z.string(),
  text: z.string(),
  subject: z.string(),
  event_time: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  sources: z.array(z.string()),
  version: z.number().int(),
  /** The project or tool it belongs to (`personal` by default): only chats and tools in that scope see it. */
  scope: z.string(),
});
export type MemoryView = z.infer<typeof MemoryView>;

/** A journal entry, with its before/after snapshots as memory views. */
export const OperationView = z.object({
  op_id: z.string(),
  seq: z.number(),
  at: z.string(),
  kind: z.enum(OP_KINDS),
  memory_id: z.string().nullable(),
  before: MemoryView.nullable(),
  after: MemoryView.nullable(),
  fact: z.object({ text: z.string(), sources: z.array(z.string()) }).nullable(),
  origin: z.string(),
  status: z.enum(OP_STATUSES),
  turn_id: z.string().nullable(),
  undoes: z.string().nullable(),
  /** Its memory's scope (after the change; a delete's: before). */
  scope: z.string(),
  /**
   * `ops.list {status: 'applied'}` only: set on an operation awaiting review whose memory changed
   * since (`current`: the memory now, null when deleted). Such an item cannot
   * be accepted, rejected or edited; `ops.dismiss` takes it off the queue.
   */
  outdated: z.object({ current: MemoryView.nullable() }).optional(),
});
export type OperationView = z.infer<typeof OperationView>;

export const ChatMessageView = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  at: z.string(),
  turn_id: z.string().nullable().optional(),
  /** A reply: how it ended (`failed` with its error; `stopped` by the user). Absent for turns from before the conversation log. */
  outcome: z.enum(['done', 'failed', 'stopped']).optional(),
  error: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
  /** A reply: the memories it was given that still exist. */
  memories: z.array(MemoryView).optional(),
  /** A reply: the feedback the user gave on it. */
  feedback: z.object({ kind: z.enum(['answer_up', 'answer_down', 'answer_corrected']), correction: z.string().nullable() }).nullable().optional(),
});
export type ChatMessageView = z.infer<typeof ChatMessageView>;

/** A conversation in the sidebar's list. */
export const ChatSessionView = z.object({
  session_id: z.string(),
  /** The user's name for it, else its first message, shortened. */
  title: z.string(),
  updated_at: z.string(),
  messages: z.number().int(),
  /** The scope its memories are read from and written to, chosen when it began. */
  scope: z.string(),
});
export type ChatSessionView = z.infer<typeof ChatSessionView>;

export const DEVICE_CHOICES = ['auto', 'cpu', 'gpu'] as const;
/** A little variety in chat replies; the agents' own prompts always run at 0. */
export const DEFAULT_TEMPERATURE = 0.7;
export const MAX_SYSTEM_PROMPT_CHARS = 4_000;
export const THEMES = ['system', 'light', 'dark'] as const;

/** The profile's settings (`<profile>/settings.json`); `profile_dir` is where they live and cannot be changed. */
export const Settings = z.object({
  /** `onnx:<hub-id-or-folder>` or `openai:<base-url>#<model>`; null until the user picks one. */
  chat_model: z.string().nullable(),
  embedder: z.string(),
  device: z.enum(DEVICE_CHOICES),
  theme: z.enum(THEMES),
  /** The chat reply's sampling temperature (0: always the likeliest words). */
  temperature: z.number(),
  /** The user's own instructions for every reply ("answer in French", "be brief"). */
  system_prompt: z.string(),
  /** Whether the model server's API key is stored; the key itself never leaves the engine. */
  api_key_set: z.boolean(),
  profile_dir: z.string(),
});
export type Settings = z.infer<typeof Settings>;

/** The memory database's health (`store.health`, `memr1 doctor`; `StoreHealth` in models/memory/health.ts). */
export const StoreHealthView = z.object({
  status: z.enum(['ok', 'damaged', 'missing']),
  tables: z.array(z.object({ table: z.string(), version: z.number().int().nullable(), readable: z.boolean(), versions_kept: z.number().int(), problem: z.string().nullable() })),
  disk_bytes: z.number().nullable(),
  last_compaction: z.string().nullable(),
  /** Post-commit work (compaction, index builds) that failed after an operation was saved; it is retried. */
  warnings: z.array(z.object({ task: z.string(), message: z.string(), since: z.string(), failures: z.number().int() })),
  last_restore: z
    .object({
      at: z.string(),
      tables: z.array(z.object({ table: z.string(), from: z.number().int(), to: z.number().int() })),
      replayed: z.number().int(),
      lost_journal_entries: z.number().int().nullable(),
    })
    .nullable(),
});
export type StoreHealthView = z.infer<typeof StoreHealthView>;

/** Each table's newest versions, checked (`store.versions`, `memr1 memory restore --list`; `TableVersions` in models/memory/table-versions.ts). */
export const TableVersionsView = z.object({
  table: z.string(),
  current: z.number().int().nullable(),
  readable: z.boolean(),
  kept: z.number().int(),
  recent: z.array(z.object({ version: z.number().int(), at: z.string(), readable: z.boolean() })),
  problem: z.string().nullable(),
});
export type TableVersionsView = z.infer<typeof TableVersionsView>;

/** What `store.restore` did (`RestoreReport` in models/memory/restore.ts). */
export const RestoreReportView = z.object({
  /** Row counts come from the manifests; null when the damaged version could not be counted. */
  rolled_back: z.array(z.object({ table: z.string(), from: z.number().int(), to: z.number().int(), rows_before: z.number().int().nullable(), rows_after: z.number().int() })),
  /** The journaled operations applied again after the rollback (journaled anew, origin `restore`). */
  replayed: z.array(z.object({ kind: z.string(), memory_id: z.string().nullable(), text: z.string().nullable() })),
  /** Journal entries lost with a rolled-back `operations` table (the memories keep their state); null: not countable. */
  lost_journal_entries: z.number().int().nullable(),
});
export type RestoreReportView = z.infer<typeof RestoreReportView>;

/**
 * Why a call failed. The first seven come from the engine on any transport
 * (DATABASE_CORRUPT: the memory database cannot be read; `store.restore`
 * repairs it); the rest from a transport, before a route runs: UNAUTHORIZED from both (web:
 * the token; desktop IPC: a page other than the app's), the others from web
 * mode only.
 */
export const API_ERROR_CODES = [
  'BAD_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'NO_CHAT_MODEL',
  'MODEL_UNAVAILABLE',
  'INTERNAL',
  'DATABASE_CORRUPT',
  'UNAUTHORIZED',
  'BAD_HOST',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const ApiErrorBody = z.object({ code: z.enum(API_ERROR_CODES), message: z.string() });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** A stream's last event when it fails. */
export const StreamError = ApiErrorBody.extend({ type: z.literal('error') });

/** `chat.send`: memories → token* → done → operations, or an error at any point. */
export const ChatEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('memories'), turn_id: z.string(), memories: z.array(MemoryView) }),
  z.object({ type: z.literal('token'), text: z.string() }),
  /** `outcome` `stopped`: the user stopped the reply; `reply` is what had arrived. */
  z.object({ type: z.literal('done'), turn_id: z.string(), message_id: z.string(), reply: z.string(), outcome: z.enum(['done', 'stopped']) }),
  z.object({ type: z.literal('operations'), turn_id: z.string(), operations: z.array(OperationView) }),
  StreamError,
]);
export type ChatEvent = z.infer<typeof ChatEvent>;

/** `models.download`: progress* → done, or an error. `total` and `percent` are 0 when the Hub gave no sizes. */
export const DownloadEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), file: z.string(), bytes: z.number(), total: z.number(), percent: z.number() }),
  z.object({ type: z.literal('done'), id: z.string() }),
  StreamError,
]);
export type DownloadEvent = z.infer<typeof DownloadEvent>;
