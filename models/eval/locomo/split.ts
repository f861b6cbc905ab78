import { LocomoDataError } from './errors.js';
import type { LocomoConversation, LocomoQuestion } from './types.js';

/** The Memory-R1 paper's split of LoCoMo, by conversation. */
export const LOCOMO_TRAIN_SAMPLE = 'conv-26';
export const LOCOMO_VALIDATION_SAMPLE = 'conv-30';

/** Non-adversarial questions per split in `locomo10.json`: the paper's 152/81/1307, for callers to assert. */
export const LOCOMO_SPLIT_SIZES = { train: 152, validation: 81, test: 1307 } as const;

export interface LocomoSplitPart {
  conversations: LocomoConversation[];
  /** The part's questions without category 5 (adversarial), which Memory-R1 leaves out. */
  questions: LocomoQuestion[];
}

export interface LocomoSplit {
  train: LocomoSplitPart;
  validation: LocomoSplitPart;
  test: LocomoSplitPart;
}

function part(conversations: LocomoConversation[]): LocomoSplitPart {
  return { conversations, questions: conversations.flatMap((c) => c.questions.filter((q) => q.category !== 5)) };
}

/** Train conv-26, validation conv-30, test every other conversation. */
export function splitLocomo(conversations: LocomoConversation[]): LocomoSplit {
  const ids = conversations.map((c) => c.sampleId);
  for (const needed of [LOCOMO_TRAIN_SAMPLE, LOCOMO_VALIDATION_SAMPLE]) {
    if (!ids.includes(needed)) {
      throw new LocomoDataError(
        'NOT_LOCOMO',
        `the Memory-R1 split needs ${LOCOMO_TRAIN_SAMPLE} (train) and ${LOCOMO_VALIDATION_SAMPLE} (validation), but the data has no ${needed} (it has ${ids.join(', ') || 'no conversations'}); pass --data /path/to/locomo10.json`,
      );
    }
  }
  return {
    train: part(conversations.filter((c) => c.sampleId === LOCOMO_TRAIN_SAMPLE)),
    validation: part(conversations.filter((c) => c.sampleId === LOCOMO_VALIDATION_SAMPLE)),
    test: part(conversations.filter((c) => c.sampleId !== LOCOMO_TRAIN_SAMPLE && c.sampleId !== LOCOMO_VALIDATION_SAMPLE)),
  };
}
