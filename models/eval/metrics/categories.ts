
import { LOCOMO_CATEGORY_NAMES } from '../locomo/categories.js';

/** The benchmark's categories: LoCoMo's without 5 (adversarial), which Memory-R1 leaves out. */
export const LOCOMO_CATEGORIES = {
  1: LOCOMO_CATEGORY_NAMES[1],
  2: LOCOMO_CATEGORY_NAMES[2],
  3: LOCOMO_CATEGORY_NAMES[3],
  4: LOCOMO_CATEGORY_NAMES[4],
} as const;

/** For reports: the mapping is a choice that other papers make differently. */
export const CATEGORY_MAPPING_NOTE =
  'Category names follow the data and LoCoMo\'s evaluation code (1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop; ' +
  'category 5, adversarial, is excluded); Mem0\'s maintainers use another mapping, so per-category figures from ' +
  'other reports may carry different names for the same numbers.';

const NAMES: Readonly<Partial<Record<number, string>>> = LOCOMO_CATEGORIES;

/** The name of `category`, or `category <n>` for a number outside the mapping (5, adversarial, included). */
export function categoryName(category: number): string {
  return NAMES[category] ?? `category ${category}`;
}
