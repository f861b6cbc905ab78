import { awaitsReview as originAwaitsReview, readOrigin } from '../../../models/contract/origins.js';
import type { OperationView } from './api-types';

/**
 * Whether an operation waits for the user's review: the Memory Manager's
 * decisions and every change another tool (MCP) made; the user's own changes
 * (by hand, imports, a rejection's revert, an edit) do not.
 */
export function awaitsReview(op: OperationView | string): boolean {
  return originAwaitsReview(typeof op === 'string' ? op : op.origin);
}

/** Who made a change, in words: the journal's `manager@<policy version>` and `mcp:<client>` are for programs. */
export function originLabel(origin: string): string {
  const { client, byManager } = readOrigin(origin === 'manager' ? 'manager@' : origin);
  if (client !== null) return byManager ? `by the memory manager, from ${client}` : `by ${client}`;
  if (byManager) return 'by the memory manager';
  if (origin === 'user') return 'by you';
  if (origin === 'import') return 'imported';
  return `by ${origin}`;
}
