import { ConditionFailedError, type Item, type Store, type TransactOp } from '#shared/store/index.ts';
import { keys, workMarkerSchema, type WorkMarker } from '#functions/push-clone/core/model.ts';

/**
 * The work marker of an instance (`PUSH_WORK` / `<munchkinId>`): "this
 * instance has work". Every write of it is built here.
 */

/**
 * The one write that says "this instance has work now": SET `updatedAt`, ADD 1
 * to `version` (creating the marker if the runner had deleted it). As a
 * transaction action, so a save or a resume wakes the work in the same
 * transaction as its own write.
 */
export function touchWorkMarkerOp(munchkinId: string, atMs: number): TransactOp {
  return {
    update: keys.workMarker(munchkinId),
    set: {
      expression: 'SET munchkinId = :munchkinId, updatedAt = :now ADD version :one',
      values: { ':munchkinId': munchkinId, ':now': new Date(atMs).toISOString(), ':one': 1 },
    },
  };
}

/** `touchWorkMarkerOp` on its own (the webhook, after storing a delivery; a requeue). */
export async function touchWorkMarker(store: Store, munchkinId: string, atMs: number): Promise<void> {
  const op = touchWorkMarkerOp(munchkinId, atMs) as Extract<TransactOp, { update: unknown }>;
  await store.update(op.update, op.set);
}

export async function readWorkMarker(store: Store, munchkinId: string): Promise<WorkMarker | undefined> {
  const item = await store.get(keys.workMarker(munchkinId));
  return item ? workMarkerSchema.parse(item) : undefined;
}

/** Every instance's marker (the dispatcher's one query per tick). */
export function listWorkMarkers(store: Store): Promise<Item[]> {
  return store.queryAll({ partition: keys.workMarkerPartition, consistent: true });
}

/** Whether the instance still has deliveries waiting to be folded in (one consistent read of its inbox). */
export async function inboxHasItems(store: Store, munchkinId: string): Promise<boolean> {
  const inbox = await store.query({ partition: keys.inboxPartition(munchkinId), limit: 1, consistent: true });
  return inbox.items.length > 0;
}

/**
 * Deletes the marker, or marks it idle until `nextDueMs`, in both cases only
 * if no delivery touched it since `marker` was read (`version` unchanged).
 * Returns 'kept' when one did.
 */
export async function retireMarkerIfUnchanged(store: Store, marker: WorkMarker, nextDueMs: number | undefined): Promise<'deleted' | 'idle' | 'kept'> {
  const key = keys.workMarker(marker.munchkinId);
  const unchanged = { expression: 'version = :read', values: { ':read': marker.version } };
  try {
    if (nextDueMs === undefined) {
      await store.delete(key, unchanged);
      return 'deleted';
    }
    await store.update(key, { expression: 'SET nextDueAt = :due, idleVersion = :read', values: { ':due': new Date(nextDueMs).toISOString() } }, unchanged);
    return 'idle';
  } catch (error) {
    if (error instanceof ConditionFailedError) return 'kept';
    throw error;
  }
}
