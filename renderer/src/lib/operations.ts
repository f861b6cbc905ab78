import type { OperationView } from './api-types';

/**
 * Whether the Memory Manager made the operation (origin `manager@<policy
 * version>`): only its decisions wait for the user's review; the user's own
 * changes (by hand, imports, a rejection's revert, an edit) do not.
 */
export function byMemoryManager(op: OperationView): boolean {
  return op.origin.startsWith('manager@');
}
