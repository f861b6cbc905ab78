import type { OperationView } from './api-types';

/**
 * Whether the Memory Manager made the operation (origin `manager@<policy
 * version>`): only its decisions wait for the user's review; the user's own
 * changes (by hand, imports, a rejection's revert, an edit) do not.
 */
export function byMemoryManager(op: OperationView | string): boolean {
  return (typeof op === 'string' ? op : op.origin).startsWith('manager@');
}

/** Who made a change, in words: the journal's `manager@<policy version>` is for programs. */
export function originLabel(origin: string): string {
  if (byMemoryManager(origin === 'manager' ? 'manager@' : origin)) return 'by the memory manager';
  if (origin === 'user') return 'by you';
  if (origin === 'import') return 'imported';
  return `by ${origin.replace(/^mcp:/, '')}`;
}
