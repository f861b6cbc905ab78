/** How many of the Memory Manager's operations wait for the user's review: the Review badge and "Accept all". */
import type { OperationView } from './api-types';
import { client } from './client';
import { awaitsReview } from './operations';

/** More than a person reviews in one sitting; the badge says "99+" beyond 99 anyway. */
const QUEUE_LIMIT = 1_000;

export const reviewQueue: { waiting: OperationView[] } = $state({ waiting: [] });

/** The operations awaiting review, newest first; out-of-date ones included (they wait to be dismissed). */
export async function refreshReviewQueue(): Promise<OperationView[]> {
  const { items } = await client.invoke('ops.list', { status: 'applied', limit: QUEUE_LIMIT });
  reviewQueue.waiting = items.filter(awaitsReview);
  return reviewQueue.waiting;
}

/** Accepts every operation still up to date; out-of-date ones stay for the user to look at. Returns how many were accepted. */
export async function acceptAll(): Promise<number> {
  const current = (await refreshReviewQueue()).filter((op) => !op.outdated);
  for (const op of current) await client.invoke('ops.accept', { op_id: op.op_id });
  await refreshReviewQueue();
  return current.length;
}

/** Ids of memories with an operation awaiting review: the Memory screen marks them. */
export function memoriesAwaitingReview(): Set<string> {
  return new Set(reviewQueue.waiting.flatMap((op) => (op.memory_id && !op.outdated ? [op.memory_id] : [])));
}
