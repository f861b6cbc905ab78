/**
 * The agents' output formats as schemas (DESIGN §4.4, §7): what a local model
 * decodes under and what an OpenAI-compatible server gets as
 * `response_format`. Each zod schema is the single source: its JSON Schema is
 * what the model is held to, and tests validate replies with the zod schema.
 *
 * Memory texts are held to `STORABLE_TEXT`: a first character that is visible
 * ASCII (so the text cannot clean to nothing, see output-text.ts) and no `"`,
 * `\` or control character (XGrammar writes a patterned string raw between its
 * quotes, so the pattern itself must keep the JSON valid). No length bound in
 * the grammar: a bound of n characters multiplies the grammar's states by n
 * and took XGrammar about 20 s to compile over a 150k-token vocabulary; the
 * parsers bound length instead.
 */
import { z } from 'zod';
import type { OutputFormat } from '../llm/chat-model.js';
import { FACTS_PER_TURN } from './fact-flood.js';
import { shortId } from './prompts.js';

const STORABLE_TEXT = z.string().regex(/^[!#-[\]-~][^"\\\x00-\x1f]*$/);

/** `{"facts": [...]}`, at most `FACTS_PER_TURN` of them. */
export const FactsReplySchema = z.strictObject({ facts: z.array(STORABLE_TEXT).max(FACTS_PER_TURN) });

const ADD_OR_NONE = z.strictObject({ event: z.enum(['ADD', 'NONE']), text: STORABLE_TEXT });

/** `{"event", "id", "text"}` where UPDATE and DELETE name one of the `relatedCount` memories shown (short ids "0", "1", …). */
export function updateDecisionSchema(relatedCount: number): z.ZodType {
  if (relatedCount === 0) return ADD_OR_NONE;
  const ids = Array.from({ length: relatedCount }, (_, i) => shortId(i)) as [string, ...string[]];
  return z.union([ADD_OR_NONE, z.strictObject({ event: z.enum(['UPDATE', 'DELETE']), id: z.enum(ids), text: STORABLE_TEXT })]);
}

/** Mem0's `{"memory": [{"id", "text", "event", "old_memory"}]}` over `knownCount` memories shown; an ADD's id is any short number. */
export function batchUpdateSchema(knownCount: number): z.ZodType {
  const added = z.strictObject({ id: z.string().regex(/^[0-9]{1,3}$/), text: STORABLE_TEXT, event: z.enum(['ADD', 'NONE']) });
  if (knownCount === 0) return z.strictObject({ memory: z.array(added) });
  const ids = Array.from({ length: knownCount }, (_, i) => shortId(i)) as [string, ...string[]];
  const changed = z.strictObject({ id: z.enum(ids), text: STORABLE_TEXT, event: z.enum(['UPDATE', 'DELETE']), old_memory: STORABLE_TEXT.optional() });
  return z.strictObject({ memory: z.array(z.union([added, changed])) });
}

/** `{"label": "CORRECT" | "WRONG"}`. */
export const JudgeReplySchema = z.strictObject({ label: z.enum(['CORRECT', 'WRONG']) });

/** The JSON Schema of `schema`, as XGrammar and servers read it. */
function jsonSchemaFormat(name: string, schema: z.ZodType, strict: boolean): OutputFormat {
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema) as Record<string, unknown>;
  return { type: 'json_schema', name, schema: jsonSchema, strict };
}

export function factsFormat(): OutputFormat {
  return jsonSchemaFormat('memory_facts', FactsReplySchema, true);
}

/** Not strict for OpenAI: the root is a choice between two shapes. */
export function updateDecisionFormat(relatedCount: number): OutputFormat {
  return jsonSchemaFormat('memory_update_decision', updateDecisionSchema(relatedCount), relatedCount === 0);
}

/** Not strict for OpenAI: `old_memory` is optional. */
export function batchUpdateFormat(knownCount: number): OutputFormat {
  return jsonSchemaFormat('memory_batch_update', batchUpdateSchema(knownCount), false);
}

export function judgeFormat(): OutputFormat {
  return jsonSchemaFormat('judge_label', JudgeReplySchema, true);
}

/**
 * The answer prompt's form: `Relevant memories:`, one `- ` line per selected
 * memory (no `*`, so a line cannot look like the answer marker's bold), then
 * `**Answer:** ` and one to six words, the first starting with a letter or digit.
 */
export const ANSWER_GRAMMAR = String.raw`root ::= "Relevant memories:\n" line* "**Answer:** " first (" " word){0,5}
line ::= "- " [!-)+-~] [^\n\r*]* "\n"
first ::= [A-Za-z0-9] [^ \t\n\r*_` + '`' + String.raw`]*
word ::= [^ \t\n\r*_` + '`' + String.raw`]+`;

/** Matches exactly the documents `ANSWER_GRAMMAR` allows (for tests and checks). */
export const ANSWER_PATTERN = /^Relevant memories:\n(?:- [!-)+-~][^\n\r*]*\n)*\*\*Answer:\*\* [A-Za-z0-9][^ \t\n\r*_`]*(?: [^ \t\n\r*_`]+){0,5}$/;

export function answerFormat(): OutputFormat {
  // `\n` ends a memory line and `*` starts the marker: the way to the end.
  return { type: 'grammar', name: 'answer', ebnf: ANSWER_GRAMMAR, closers: '\n*' };
}
