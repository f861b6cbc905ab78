import type { LocomoCategory } from './types.js';

/**
 * What each QA category asks for. This mapping is derived from the data and
 * from LoCoMo's own evaluation code (category 1 is scored as a list of
 * comma-separated answers, i.e. multi-hop; category 3 carries world-knowledge
 * answers). Mem0's maintainers have used a different mapping, so a report must
 * say that it uses this one.
 */
export const LOCOMO_CATEGORY_NAMES = {
  1: 'multi-hop',
  2: 'temporal',
  3: 'open-domain',
  4: 'single-hop',
  5: 'adversarial',
} as const satisfies Record<LocomoCategory, string>;

/**
 * The answer to a category-5 question that the file gives no `answer`: the
 * conversation does not say. LoCoMo's evaluation offers this option and
 * scores a reply as right when it says "not mentioned".
 */
export const LOCOMO_UNANSWERABLE = 'Not mentioned in the conversation';
