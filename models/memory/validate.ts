import { z } from 'zod';
import { DEFAULT_SCOPE, ScopeName } from '../contract/scopes.js';
import { MemoryError } from './errors.js';

/** A memory is one fact in one sentence; anything far longer is a paste, not a memory. */
export const MAX_TEXT_CHARS = 4_000;
const MAX_SUBJECT_CHARS = 200;
const MAX_SOURCES = 200;

// Control characters other than tab and newlines corrupt exports and prompts.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function wellFormedText(label: string, max: number) {
  return z
    .string({ error: `${label} must be a string` })
    .refine((s) => s.isWellFormed(), `${label} contains a lone UTF-16 surrogate (broken Unicode); fix the encoding of the input`)
    .refine((s) => !CONTROL.test(s), `${label} contains control characters`)
    .transform((s) => s.trim())
    .refine((s) => s.length > 0, `${label} is empty`)
    .superRefine((s, ctx) => {
      if (s.length > max) {
        ctx.addIssue({ code: 'custom', message: `${label} is ${s.length.toLocaleString('en')} characters; the limit is ${max.toLocaleString('en')}` });
      }
    });
}

export const memoryText = wellFormedText('memory text', MAX_TEXT_CHARS);
export const subjectText = wellFormedText('subject', MAX_SUBJECT_CHARS);

/** Any date `Date` can parse, normalised to ISO 8601 UTC so string comparison orders by time. */
export const isoTime = z
  .string()
  .superRefine((s, ctx) => {
    if (Number.isNaN(Date.parse(s))) {
      ctx.addIssue({ code: 'custom', message: `"${s.slice(0, 40)}" is not a date/time (use ISO 8601, e.g. 2023-05-08T13:56:00Z)` });
    }
  })
  .transform((s) => new Date(s).toISOString());

export const sourceIds = z
  .array(wellFormedText('source id', 200))
  .max(MAX_SOURCES, `at most ${MAX_SOURCES} source ids`);

export const memoryId = z.string().min(1, 'id is empty').max(100, 'id is too long');

export const AddMemoryInput = z.object({
  text: memoryText,
  subject: subjectText,
  event_time: isoTime.nullish().transform((t) => t ?? null),
  sources: sourceIds.default([]),
  scope: ScopeName.default(DEFAULT_SCOPE),
});
export type AddMemoryInput = z.input<typeof AddMemoryInput>;

/** What an import may carry over from another database besides the content. */
export const PreservedFields = z.object({
  created_at: isoTime.optional(),
  updated_at: isoTime.optional(),
  version: z.number().int().positive().optional(),
});

export const EditMemoryInput = z.object({
  text: memoryText.optional(),
  subject: subjectText.optional(),
  event_time: isoTime.nullish(),
  sources: sourceIds.optional(),
  /** A new scope moves the memory there. */
  scope: ScopeName.optional(),
});
export type EditMemoryInput = z.input<typeof EditMemoryInput>;

/** Parses `input` or throws INVALID_INPUT naming the first problem. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new MemoryError('INVALID_INPUT', `${where}${issue?.message ?? 'invalid input'}`);
}

/** Quotes a string for a LanceDB (DataFusion SQL) predicate. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
