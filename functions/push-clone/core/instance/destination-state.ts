import { ConditionFailedError, type Store } from '#shared/store/index.ts';
import { destinationSchema, keys, type Destination } from '#functions/push-clone/core/model.ts';

/**
 * Stops a destination after a configuration error (list gone, permission): its
 * people stay pending until an admin fixes the setup and saves it again.
 */
export async function stopDestination(store: Store, destination: Destination, reason: string): Promise<Destination> {
  await store.update(
    keys.destination(destination.destinationId),
    { expression: 'SET #state = :stopped, stoppedReason = :reason', names: { '#state': 'state' }, values: { ':stopped': 'stopped', ':reason': reason } },
    { expression: 'attribute_exists(pk)' },
  );
  return { ...destination, state: 'stopped', stoppedReason: reason };
}

/**
 * Records that an audience's end-date behaviour has been carried out. The
 * audiences list is rewritten only if nobody saved the destination meanwhile
 * (condition on the list as read); on a race it is read again.
 */
export async function markEndHandled(store: Store, destinationId: string, audienceId: string, atIso: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const item = await store.get(keys.destination(destinationId));
    if (!item) return;
    const destination = destinationSchema.parse(item);
    const audiences = destination.audiences.map((audience) =>
      audience.audienceId === audienceId && !audience.endHandledAt ? { ...audience, endHandledAt: atIso } : audience,
    );
    try {
      await store.update(
        keys.destination(destinationId),
        { expression: 'SET audiences = :next', values: { ':next': audiences } },
        { expression: 'audiences = :read', values: { ':read': item.audiences } },
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
  throw new Error(`destination ${destinationId} kept changing while its audience ${audienceId} was being marked as ended`);
}

export function isEnded(endDate: string | undefined, now: number): boolean {
  return endDate !== undefined && Date.parse(endDate) <= now;
}
