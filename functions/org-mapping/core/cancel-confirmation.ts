import type { Clock } from '#shared/clock.ts';
import { readOrgMapping } from '#shared/instances/org-mapping-store.ts';
import type { Store } from '#shared/store/index.ts';
import { readAttempt, saveAttempt } from '#functions/org-mapping/persistence/attempt-store.ts';
import { updateMapping } from '#shared/instances/org-mapping-store.ts';
import { getMappingView, getRegisteredInstance, type MappingView } from './mapping';

/**
 * Cancel (the admin closed or gave up on the sign-in popup): the pending
 * attempt ends now as failed with reason `cancelled` instead of reading
 * "pending" until its state expires, and a later callback with its state is
 * refused. The confirmed mapping is untouched. Nothing pending: nothing
 * changes (a second Cancel is harmless).
 */
export async function cancelConfirmation(ports: { store: Store; clock: Clock }, munchkinId: string): Promise<MappingView> {
  await getRegisteredInstance(ports.store, munchkinId);
  const pending = (await readOrgMapping(ports.store, munchkinId))?.lastAttempt;
  if (pending?.status === 'pending') {
    const at = new Date(ports.clock.now()).toISOString();
    await updateMapping(ports.store, munchkinId, (current) =>
      // A callback may have finished the attempt meanwhile: its result stands.
      current.lastAttempt?.attemptId === pending.attemptId && current.lastAttempt.status === 'pending'
        ? { ...current, lastAttempt: { attemptId: pending.attemptId, status: 'failed', reason: 'cancelled', at } }
        : current,
    );
    const attempt = await readAttempt(ports.store, pending.attemptId);
    if (attempt?.status === 'pending') await saveAttempt(ports.store, { ...attempt, status: 'failed', reason: 'cancelled', finishedAt: at });
  }
  return getMappingView(ports, munchkinId);
}

/** Whether an attempt was cancelled from the admin page (its popup's callback must then change nothing). */
export async function wasCancelled(store: Store, attemptId: string): Promise<boolean> {
  const attempt = await readAttempt(store, attemptId);
  return attempt?.status === 'failed' && attempt.reason === 'cancelled';
}
