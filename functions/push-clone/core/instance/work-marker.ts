import type { Item, Store } from '#shared/store/index.ts';
import { isEnded } from '#functions/push-clone/core/instance/destination-state.ts';
import type { Destination, WorkMarker } from '#functions/push-clone/core/model.ts';
import { inboxHasItems, retireMarkerIfUnchanged } from '#functions/push-clone/persistence/work-marker.ts';

export { readWorkMarker as readMarker } from '#functions/push-clone/persistence/work-marker.ts';

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
  // Deliveries not folded in yet are work: the marker stays.
  if (await inboxHasItems(store, marker.munchkinId)) return 'kept';
  return retireMarkerIfUnchanged(store, marker, nextDue);
}
