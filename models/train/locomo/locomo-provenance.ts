import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { LocomoSplit } from '../../eval/locomo/split.js';

/**
 * LoCoMo's data licence (its dataset card; see the README's LoCoMo section):
 * recorded with every policy trained on it, because weights derived from
 * non-commercial data cannot ship inside an Apache-2.0 app for any use.
 */
export const LOCOMO_LICENCE = 'CC BY-NC 4.0 (LoCoMo, Maharana et al. 2024): non-commercial use only';

/** Which LoCoMo file trained a policy: its name and content hash (the path is the trainer's machine's business). */
export interface LocomoDataFile {
  data_file: string;
  data_sha256: string;
}

export async function locomoDataFile(path: string): Promise<LocomoDataFile> {
  return { data_file: basename(path), data_sha256: createHash('sha256').update(await readFile(path)).digest('hex') };
}

/** The split's conversation (sample) ids per part. */
export function splitIds(split: LocomoSplit): { train: string[]; validation: string[]; test: string[] } {
  const ids = (part: LocomoSplit['train']) => part.conversations.map((c) => c.sampleId);
  return { train: ids(split.train), validation: ids(split.validation), test: ids(split.test) };
}
