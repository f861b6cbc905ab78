import type { FeedbackInput, FeedbackLog } from '../memory/feedback-log.js';
import type { OperationRecord } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import { ApiError } from './api-error.js';

/**
 * The user's review of the Memory Manager's operations (DESIGN §9, Review):
 * each decision is journaled and, while the user has learning on, recorded
 * as feedback, the signal the RL updater learns from (+1 accepted, -1
 * rejected, 0 edited with the edit). The journal keeps the review either way.
 */
export class OperationReview {
  constructor(
    private readonly store: MemoryStore,
    private readonly feedback: FeedbackLog,
    private readonly learning: () => boolean,
  ) {}

  async accept(opId: string): Promise<OperationRecord> {
    const reviewed = await this.store.review(opId, 'accepted');
    await this.record({ kind: 'op_accepted', target_id: reviewed.op_id, value: 1 });
    return reviewed;
  }

  /** Reverts the operation (restoring the memory it replaced or removed), then marks it rejected. */
  async reject(opId: string): Promise<OperationRecord> {
    const op = await this.store.operation(opId);
    // A NOOP changed nothing, and an operation already undone has nothing left to revert.
    if (op.kind !== 'NOOP' && op.status !== 'undone') await this.store.undo(op.op_id, { origin: 'user', turn_id: op.turn_id });
    const reviewed = await this.store.review(op.op_id, 'rejected');
    await this.record({ kind: 'op_rejected', target_id: op.op_id, value: -1, payload: { kind: op.kind } });
    return reviewed;
  }

  /** Rewrites the memory the operation produced (a journaled UPDATE by the user), and marks the operation edited. */
  async edit(opId: string, text: string): Promise<OperationRecord> {
    const op = await this.store.operation(opId);
    if (op.kind === 'NOOP' || op.kind === 'DELETE' || !op.after) {
      throw new ApiError('CONFLICT', `operation ${opId} is a ${op.kind}: it produced no memory to edit${op.kind === 'DELETE' ? '; reject it to bring the memory back' : ''}`);
    }
    if (op.status !== 'applied' && op.status !== 'accepted' && op.status !== 'edited') {
      throw new ApiError('CONFLICT', `operation ${opId} is ${op.status}; only an operation still in effect can be edited`);
    }
    const edit = await this.store.edit(op.after.id, { text }, { origin: 'user', turn_id: op.turn_id });
    const reviewed = await this.store.review(op.op_id, 'edited');
    await this.record({
      kind: 'op_edited',
      target_id: op.op_id,
      value: 0,
      payload: { text: edit.after!.text, previous: edit.before!.text, edit_op_id: edit.op_id },
    });
    return reviewed;
  }

  private async record(signal: FeedbackInput): Promise<void> {
    if (this.learning()) await this.feedback.record(signal);
  }
}
