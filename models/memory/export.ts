import { z } from 'zod';
import { DEFAULT_SCOPE } from '../contract/scopes.js';
import { MemoryError } from './errors.js';
import type { MemoryRecord } from './records.js';
import { decodeVector, encodeVector } from './snapshot.js';
import type { MemoryStore } from './store.js';

const FORMAT = 'memr1-memories';
const IMPORT_CHUNK = 500;

const ExportedMemory = z.object({
  id: z.string().min(1),
  text: z.string(),
  subject: z.string(),
  event_time: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  sources: z.array(z.string()),
  version: z.number().int().positive(),
  /** Absent in exports from before scopes: those memories were `personal`. */
  scope: z.string().default(DEFAULT_SCOPE),
  /** Base64 float32, present when the export carries vectors. */
  vector_b64: z.string().optional(),
});

export const MemoryExport = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  exported_at: z.string(),
  embedder: z.object({ id: z.string(), dimension: z.number().int().positive() }),
  memories: z.array(ExportedMemory),
});
export type MemoryExport = z.infer<typeof MemoryExport>;

export interface ImportResult {
  imported: number;
  /** Ids already in the store; left as they are. */
  skipped: string[];
  /** True when the file's vectors were made by another embedder and the texts were embedded again. */
  reembedded: boolean;
}

/** Every memory with its vector (so an import into the same embedder needs no re-embedding). */
export async function exportJson(store: MemoryStore): Promise<MemoryExport> {
  const memories: MemoryExport['memories'] = [];
  for await (const { vector, ...memory } of store.all()) memories.push({ ...memory, vector_b64: encodeVector(vector) });
  return {
    format: FORMAT,
    version: 1,
    exported_at: new Date().toISOString(),
    embedder: { id: store.meta.embedder_id, dimension: store.meta.dimension },
    memories,
  };
}

/** A human-readable export: memories grouped per subject as `<event_time>: <text>`, the way prompts show them. */
export async function exportMarkdown(store: MemoryStore): Promise<string> {
  const bySubject = new Map<string, MemoryRecord[]>();
  for await (const memory of store.all()) {
    const list = bySubject.get(memory.subject) ?? [];
    list.push(memory);
    bySubject.set(memory.subject, list);
  }
  const lines = ['# Memories', '', `Exported ${new Date().toISOString()} from ${store.meta.embedder_id}.`, ''];
  for (const [subject, memories] of [...bySubject].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`## ${subject}`, '');
    memories.sort((a, b) => (a.event_time ?? '').localeCompare(b.event_time ?? ''));
    for (const m of memories) {
      const when = m.event_time ?? 'undated';
      const sources = m.sources.length ? ` _(sources: ${m.sources.join(', ')})_` : '';
      const scope = m.scope === DEFAULT_SCOPE ? '' : ` _(scope: ${m.scope})_`;
      lines.push(`- ${when}: ${m.text.replace(/\n/g, ' ')}${sources}${scope} <!-- id: ${m.id} -->`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Imports a JSON export. Each memory keeps its id, times and version and is
 * journaled as an ADD with origin `import`; ids already present are skipped.
 * Vectors are reused when the file's embedder is the store's, else re-embedded.
 */
export async function importJson(store: MemoryStore, data: unknown, onProgress?: (done: number, total: number) => void): Promise<ImportResult> {
  const parsed = MemoryExport.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MemoryError('INVALID_INPUT', `not a memr1 JSON export: ${issue?.path.join('.') || 'file'}: ${issue?.message}`);
  }
  const file = parsed.data;
  const sameEmbedder = file.embedder.id === store.meta.embedder_id && file.embedder.dimension === store.meta.dimension;
  const skipped: string[] = [];
  const fresh = [];
  for (const memory of file.memories) {
    try {
      await store.get(memory.id);
      skipped.push(memory.id);
    } catch (error) {
      if (!(error instanceof MemoryError && error.code === 'NOT_FOUND')) throw error;
      fresh.push(memory);
    }
  }
  let imported = 0;
  // In chunks: each is journaled and committed on its own, and progress can be shown.
  for (let start = 0; start < fresh.length; start += IMPORT_CHUNK) {
    const chunk = fresh.slice(start, start + IMPORT_CHUNK).map((m) => ({
      id: m.id,
      text: m.text,
      subject: m.subject,
      event_time: m.event_time,
      sources: m.sources,
      created_at: m.created_at,
      updated_at: m.updated_at,
      version: m.version,
      scope: m.scope,
      ...(sameEmbedder && m.vector_b64 ? { vector: decodeVector(m.vector_b64) } : {}),
    }));
    imported += (await store.addMany(chunk, { origin: 'import' })).length;
    onProgress?.(imported, fresh.length);
  }
  return { imported, skipped, reembedded: !sameEmbedder };
}
