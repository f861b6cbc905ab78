import { normalizedText } from './text-features.js';

/** A merged memory stays one readable paragraph, far below the store's 4,000-character limit. */
export const MAX_MERGED_CHARS = 600;

/**
 * The text of an UPDATE made without an LLM: the memory keeps what it said and
 * gains the new fact ("Ines likes tea." + "Ines now prefers coffee." →
 * "Ines likes tea. Ines now prefers coffee."), as an LLM's merge keeps both
 * details. Superseding instead would erase what the old text knew, and a
 * manager scored on what its memories can answer would learn never to UPDATE.
 * A fact the memory already states changes nothing; past `MAX_MERGED_CHARS`
 * the oldest sentences give way to the newest.
 */
export function mergeTexts(memoryText: string, factText: string): string {
  const fact = factText.trim();
  if (normalizedText(memoryText).includes(normalizedText(fact))) return memoryText;
  const sentences = [...splitSentences(memoryText), fact];
  while (sentences.length > 1 && sentences.join(' ').length > MAX_MERGED_CHARS) sentences.shift();
  return sentences.join(' ').slice(-MAX_MERGED_CHARS);
}

/** How many facts (sentences) a memory's text holds. */
export function factCount(text: string): number {
  return splitSentences(text).length;
}

function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The vector of an LLM-free merge: the mean of the memory's facts'
 * embeddings (the memory's vector weighted by how many sentences it holds,
 * plus the fact's), at unit length. A merged memory is then found by any of
 * its facts, and merging costs no embedding (the LLM's merges, whose text is
 * new, are embedded by the store as usual).
 */
export function mergedVector(memoryText: string, memoryVector: Float32Array, factVector: Float32Array): Float32Array {
  const weight = splitSentences(memoryText).length || 1;
  const out = memoryVector.map((v, i) => weight * v + factVector[i]!);
  const norm = Math.hypot(...out) || 1;
  return out.map((v) => v / norm);
}

/** A merged memory: its text and unit vector (the memory unchanged when it already states the fact). */
export function mergeMemory(memory: { text: string; vector: Float32Array }, fact: { text: string; vector: Float32Array }): { text: string; vector: Float32Array } {
  const text = mergeTexts(memory.text, fact.text);
  return text === memory.text ? { text, vector: memory.vector } : { text, vector: mergedVector(memory.text, memory.vector, fact.vector) };
}
