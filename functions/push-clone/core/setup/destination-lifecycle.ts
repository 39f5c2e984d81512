import { z } from 'zod';
import type { Clock } from '#shared/clock.ts';
import { ConflictError } from '#shared/errors.ts';
import { ConditionFailedError, type Store } from '#shared/store/index.ts';
import { getDestination } from '#functions/push-clone/core/setup/destinations.ts';
import { destinationSchema, keys, membershipSchema, type Destination } from '#functions/push-clone/core/model.ts';
import { writeDeletionRequest, writePaused } from '#functions/push-clone/persistence/destinations.ts';

export const LIST_CHOICES = ['keep', 'removeAdded'] as const;
export type ListChoice = (typeof LIST_CHOICES)[number];
export const listChoiceSchema = z.enum(LIST_CHOICES, { message: 'choose what becomes of the Marketo lists: lists=keep or lists=removeAdded' });

interface LifecyclePorts {
  store: Store;
  clock: Clock;
}

/**
 * Pauses or resumes a destination. While paused the runner leaves its people
 * pending (deliveries are still folded in); resuming touches the instance's
 * work marker in the same transaction, so the next tick picks them up.
 */
export async function setPaused(ports: LifecyclePorts, destinationId: string, paused: boolean, actor: string): Promise<Destination> {
  const destination = await getDestination(ports.store, destinationId);
  if (destination.deletion) throw deletingError(destinationId);
  const nowIso = new Date(ports.clock.now()).toISOString();
  try {
    // Resuming wakes the pending work in the same transaction.
    await writePaused(ports.store, destination, { paused, atIso: nowIso, actor }, paused ? undefined : ports.clock.now());
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    throw new ConflictError(`Destination ${destinationId} was changed (or deleted) meanwhile: read it again.`, { code: 'destination_changed' });
  }
  return destinationSchema.parse({ ...destination, paused, updatedAt: nowIso, updatedBy: actor });
}

/**
 * Deletes a destination as the admin chose: `keep` leaves the Marketo lists
 * as they are; `removeAdded` takes out of the lists every person this
 * destination put there. The destination is marked at once (nothing more is
 * pushed for it) and the instance's runner carries the choice out under its
 * lease and within the call budget (runner/deletions.ts), then removes the
 * destination, its people and its counters. Returns how many people are to be
 * taken out of lists.
 */
export async function requestDeletion(ports: LifecyclePorts, destinationId: string, lists: ListChoice, actor: string): Promise<{ pending: number }> {
  const destination = await getDestination(ports.store, destinationId);
  if (destination.deletion && destination.deletion.lists !== lists) {
    throw new ConflictError(`Destination ${destinationId} is already being deleted with lists=${destination.deletion.lists}.`, { code: 'destination_deleting' });
  }
  if (!destination.deletion) {
    const nowMs = ports.clock.now();
    try {
      await writeDeletionRequest(ports.store, destination, { lists, requestedAt: new Date(nowMs).toISOString(), requestedBy: actor }, nowMs);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      throw new ConflictError(`Destination ${destinationId} was changed meanwhile: read it again and retry.`, { code: 'destination_changed' });
    }
  }
  return { pending: lists === 'removeAdded' ? await countAddedPeople(ports.store, destination) : 0 };
}

/** People this destination holds in its lists (membership `applied: in`), over every audience. */
export async function countAddedPeople(store: Store, destination: Destination): Promise<number> {
  let added = 0;
  for (const audience of destination.audiences) {
    for (const partition of keys.membershipPartitions(destination.destinationId, audience.audienceId)) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await store.query({ partition, startKey });
        for (const item of page.items) if (membershipSchema.parse(item).applied === 'in') added += 1;
        startKey = page.nextKey;
      } while (startKey);
    }
  }
  return added;
}

export function deletingError(destinationId: string): ConflictError {
  return new ConflictError(`Destination ${destinationId} is being deleted: it can no longer be changed.`, { code: 'destination_deleting' });
}
