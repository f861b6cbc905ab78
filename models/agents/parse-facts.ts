/**
 * Reads the extracted facts (the reply to `factExtractionPrompt`). Never
 * throws: facts that cannot be stored are dropped, and `reason` says so.
 */
import { schemaReason } from '../util/zod-reason.js';
import { z } from 'zod';
import { findJson, isJsonObject } from './json-extraction.js';
import { memoryText, tooLongReason } from './output-text.js';

export interface ExtractedFacts {
  facts: string[];
  /** Why there are none, or why some were dropped. */
  reason?: string;
}

/** More than any one turn holds; the rest are dropped. */
export const MAX_FACTS = 50;

// Mem0's format is {"facts": [...]}; a bare list is what small models often give instead.
const FactsReply = z.union([z.object({ facts: z.array(z.unknown()) }), z.array(z.unknown())]);

function looksLikeFacts(value: unknown): boolean {
  return Array.isArray(value) || (isJsonObject(value) && Object.hasOwn(value, 'facts'));
}

/** The facts in `text`: cleaned to one line each, empty and over-long ones dropped, duplicates (ignoring case) dropped, at most `MAX_FACTS`. */
export function parseFacts(text: string): ExtractedFacts {
  const tooLong = tooLongReason(text.length);
  if (tooLong) return { facts: [], reason: tooLong };
  const json = findJson(text, looksLikeFacts);
  if (!json.ok) return { facts: [], reason: `no facts found (${json.reason})` };
  const reply = FactsReply.safeParse(json.value);
  if (!reply.success) return { facts: [], reason: `expected {"facts": [...]} (${schemaReason(reply.error)})` };

  const items = Array.isArray(reply.data) ? reply.data : reply.data.facts;
  const facts: string[] = [];
  const seen = new Set<string>();
  let unusable = 0;
  let duplicates = 0;
  let overCap = 0;
  for (const item of items) {
    const fact = memoryText(item);
    if (!fact.ok) unusable++;
    else if (seen.has(fact.text.toLowerCase())) duplicates++;
    else if (facts.length >= MAX_FACTS) overCap++;
    else {
      seen.add(fact.text.toLowerCase());
      facts.push(fact.text);
    }
  }
  const notes = [
    ...(unusable ? [`dropped ${unusable} unusable (not text, empty, or too long)`] : []),
    ...(duplicates ? [`dropped ${duplicates} duplicate${duplicates === 1 ? '' : 's'}`] : []),
    ...(overCap ? [`kept the first ${MAX_FACTS} facts, dropped ${overCap}`] : []),
  ];
  return notes.length ? { facts, reason: notes.join('; ') } : { facts };
}
