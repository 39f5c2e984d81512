import { ConditionFailedError, type Item, type Store } from '#shared/store/index.ts';
import { isEnded } from '#functions/push-clone/core/instance/destination-state.ts';
import { keys, workMarkerSchema, type Destination, type WorkMarker } from '#functions/push-clone/core/model.ts';

/**
 * Fields the runner adds to the work marker when nothing is due now but
 * something will be (an audience that starts later, an end date to carry out).
 * They hold only while `idleVersion` equals the marker's `version`: a webhook
 * delivery bumps the version, which makes the instance due again at once.
 */
export interface IdleMarkerFields {
  nextDueAt?: string;
  idleVersion?: number;
}

export async function readMarker(store: Store, munchkinId: string): Promise<WorkMarker | undefined> {
  const item = await store.get(keys.workMarker(munchkinId));
  return item ? workMarkerSchema.parse(item) : undefined;
}

/** Whether the dispatcher may leave this instance alone this tick. */
export function markerIsIdle(item: Item, now: number): boolean {
  const { nextDueAt, idleVersion } = item as Item & IdleMarkerFields;
  return typeof nextDueAt === 'string' && Date.parse(nextDueAt) > now && idleVersion === item.version;
}

/** The earliest future moment something becomes due without a new delivery: a start date, or an end date to carry out. */
export function nextDueAt(destinations: Iterable<Destination>, now: number): number | undefined {
  let next: number | undefined;
  for (const destination of destinations) {
    if (destination.state !== 'active' || destination.paused || destination.deletion) continue;
    for (const audience of destination.audiences) {
      const moments = [Date.parse(audience.startDate)];
      if (audience.endDate && !audience.endHandledAt && !isEnded(audience.endDate, now)) moments.push(Date.parse(audience.endDate));
      for (const moment of moments) if (Number.isFinite(moment) && moment > now && (next === undefined || moment < next)) next = moment;
    }
  }
  return next;
}

/**
 * After a run that found nothing left: delete the marker, or mark it idle until
 * `nextDue`, in both cases only if no delivery touched it since it was read.
 */
export async function retireWorkMarker(store: Store, marker: WorkMarker, nextDue: number | undefined): Promise<'deleted' | 'idle' | 'kept'> {
  const key = keys.workMarker(marker.munchkinId);
  const unchanged = { expression: 'version = :read', values: { ':read': marker.version } };
  const inbox = await store.query({ partition: keys.inboxPartition(marker.munchkinId), limit: 1, consistent: true });
  if (inbox.items.length > 0) return 'kept';
  try {
    if (nextDue === undefined) {
      await store.delete(key, unchanged);
      return 'deleted';
    }
    await store.update(key, { expression: 'SET nextDueAt = :due, idleVersion = :read', values: { ':due': new Date(nextDue).toISOString() } }, unchanged);
    return 'idle';
  } catch (error) {
    if (error instanceof ConditionFailedError) return 'kept';
    throw error;
  }
}
