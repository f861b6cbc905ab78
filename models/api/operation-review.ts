import type { FeedbackInput, FeedbackLog } from '../memory/feedback-log.js';
import type { MemoryRecord, OperationRecord } from '../memory/records.js';
import type { MemoryStore } from '../memory/store.js';
import { ApiError } from '../contract/api-error.js';

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

  /**
   * The memory as it is now when it changed after the operation (a later
   * UPDATE, an edit in the Memory screen, a delete); undefined while the
   * operation's result still stands. The review queue shows such an item as
   * out of date: judging it would judge text the memory no longer has.
   */
  async outdated(op: OperationRecord): Promise<{ current: MemoryRecord | null } | undefined> {
    return (await this.outdatedAmong([op])).get(op.op_id);
  }

  /** `outdated` for a whole list (the review queue), by op id, with one read of the memories. */
  outdatedAmong(ops: readonly OperationRecord[]): Promise<Map<string, { current: MemoryRecord | null }>> {
    return this.store.changedSinceMany(ops.filter((op) => op.status === 'applied'));
  }

  async accept(opId: string): Promise<OperationRecord> {
    await this.refuseIfOutdated(await this.store.operation(opId), 'accept');
    const reviewed = await this.store.review(opId, 'accepted');
    await this.record({ kind: 'op_accepted', target_id: reviewed.op_id, value: 1 });
    return reviewed;
  }

  /** Reverts the operation (restoring the memory it replaced or removed), then marks it rejected. */
  async reject(opId: string): Promise<OperationRecord> {
    const op = await this.store.operation(opId);
    await this.refuseIfOutdated(op, 'reject');
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
    await this.refuseIfOutdated(op, 'edit');
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

  /**
   * Takes an out-of-date operation out of the review queue without judging
   * it: nothing changes in memory and no feedback is recorded (the user never
   * saw the text it left in effect).
   */
  async dismiss(opId: string): Promise<OperationRecord> {
    const op = await this.store.operation(opId);
    if (!(await this.outdated(op))) {
      throw new ApiError('CONFLICT', 'This suggestion is still up to date, so it stays in the review queue: accept, reject or edit it instead.');
    }
    return this.store.review(op.op_id, 'superseded');
  }

  /** Never a silent overwrite: a review of an operation whose memory changed since is refused, in words. */
  private async refuseIfOutdated(op: OperationRecord, action: 'accept' | 'reject' | 'edit'): Promise<void> {
    // An edited operation's memory holds the user's own text by design; others in effect must still hold theirs.
    if (op.status !== 'applied' && op.status !== 'accepted') return;
    const changed = await this.store.changedSince(op);
    if (!changed) return;
    const what = changed.current ? `it now reads "${changed.current.text}"` : 'it was deleted';
    const why =
      action === 'edit'
        ? 'so your edit was not saved and the newer text stays'
        : action === 'reject'
          ? 'so rejecting this suggestion would also undo the newer change; nothing was changed'
          : 'so accepting would approve text the memory no longer has; nothing was changed';
    throw new ApiError('CONFLICT', `This memory changed after this suggestion (${what}), ${why}. Open the memory's history to see what changed.`);
  }

  private async record(signal: FeedbackInput): Promise<void> {
    if (this.learning()) await this.feedback.record(signal);
  }
}
