import { z } from 'zod';
import type { Clock } from '#shared/clock.ts';
import { centralDay } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';
import { audienceStatsSchema, keys, MARKETO_CALLS_FIELD, SKIPPED_FIELD_PREFIX, type Destination, type StoredAudience } from './model';

export interface AudienceStatus {
  audienceId: string;
  listId: number;
  startDate: string;
  endDate?: string;
  /** scheduled: before the start date; syncing; ended: past the end date. */
  phase: 'scheduled' | 'syncing' | 'ended';
  /** Memberships whose list change is still to be made (due now or later). */
  pending: number;
  /** Of those, the ones that may not start before the audience's start date. */
  pendingNotYetDue: number;
  added: number;
  removed: number;
  failed: number;
  expired: number;
  /** Skipped people by reason, e.g. { not_found_in_marketo: 3 }. */
  skipped: Record<string, number>;
  lastRunAt?: string;
  lastError?: string;
}

export interface DestinationStatus {
  destination: Destination;
  audiences: AudienceStatus[];
  /** Marketo calls spent on the instance today (US Central day, as Marketo's quota counts). */
  marketoCallsToday: { day: string; calls: number };
}

const pendingItemSchema = z.object({ destinationId: z.string(), audienceId: z.string(), gsi1sk: z.string() });
const callsSchema = z.looseObject({ [MARKETO_CALLS_FIELD]: z.number().default(0) });

/** docs/push-clone.md, step 7: the setup and, per audience, what is pending and what the runner did. */
export async function destinationStatus(
  ports: { store: Store; clock: Clock },
  destination: Destination,
  /** Pending counts of the instance's destinations, when the caller read them once for several destinations. */
  pendingByDestination?: ReadonlyMap<string, Map<string, { pending: number; notYetDue: number }>>,
): Promise<DestinationStatus> {
  const { destinationId } = destination;
  const now = ports.clock.now();
  const day = centralDay(now);
  const [pending, stats, callsItem] = await Promise.all([
    pendingByDestination ? (pendingByDestination.get(destinationId) ?? new Map<string, { pending: number; notYetDue: number }>()) : countPending(ports.store, destination.munchkinId, new Date(now).toISOString()).then((all) => all.get(destinationId) ?? new Map()),
    Promise.all(destination.audiences.map((audience) => ports.store.get(keys.stats(destinationId, audience.audienceId)))),
    ports.store.get(keys.callsPerDay(destination.munchkinId, day)),
  ]);
  const audiences = destination.audiences.map((audience, index) => {
    const counters = audienceStatsSchema.parse(stats[index] ?? {});
    const counts = pending.get(audience.audienceId) ?? { pending: 0, notYetDue: 0 };
    return {
      audienceId: audience.audienceId,
      listId: audience.listId,
      startDate: audience.startDate,
      endDate: audience.endDate,
      phase: phaseOf(audience, now),
      pending: counts.pending,
      pendingNotYetDue: counts.notYetDue,
      added: counters.added,
      removed: counters.removed,
      failed: counters.failed,
      expired: counters.expired,
      skipped: skippedByReason(counters),
      lastRunAt: counters.lastRunAt,
      lastError: counters.lastError,
    };
  });
  return { destination, audiences, marketoCallsToday: { day, calls: callsSchema.parse(callsItem ?? {})[MARKETO_CALLS_FIELD] } };
}

function phaseOf(audience: StoredAudience, now: number): AudienceStatus['phase'] {
  if (now < Date.parse(audience.startDate)) return 'scheduled';
  if (audience.endDate !== undefined && now >= Date.parse(audience.endDate)) return 'ended';
  return 'syncing';
}

/**
 * Pending memberships per audience, read from the sparse work queue (gsi1,
 * `PUSH#<munchkinId>`): only pending items are in it, so the read grows with
 * the backlog, not with the audience. (`Store.count` over a membership
 * partition, filtered on the queue key, would read every member of the
 * audience to count a few pending ones.)
 */
export async function countPending(store: Store, munchkinId: string, nowIso: string): Promise<Map<string, Map<string, { pending: number; notYetDue: number }>>> {
  const byDestination = new Map<string, Map<string, { pending: number; notYetDue: number }>>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await store.query({ index: 'gsi1', partition: keys.pendingPartition(munchkinId), startKey });
    for (const item of page.items) {
      const parsed = pendingItemSchema.safeParse(item);
      if (!parsed.success) continue;
      const counts = byDestination.get(parsed.data.destinationId) ?? new Map<string, { pending: number; notYetDue: number }>();
      byDestination.set(parsed.data.destinationId, counts);
      const count = counts.get(parsed.data.audienceId) ?? { pending: 0, notYetDue: 0 };
      count.pending += 1;
      // gsi1sk begins with the notBefore instant (a 24-character ISO string).
      if (parsed.data.gsi1sk.slice(0, nowIso.length) > nowIso) count.notYetDue += 1;
      counts.set(parsed.data.audienceId, count);
    }
    startKey = page.nextKey;
  } while (startKey);
  return byDestination;
}

function skippedByReason(stats: Record<string, unknown>): Record<string, number> {
  const skipped: Record<string, number> = {};
  for (const [field, value] of Object.entries(stats)) {
    if (field.startsWith(SKIPPED_FIELD_PREFIX) && typeof value === 'number') skipped[field.slice(SKIPPED_FIELD_PREFIX.length)] = value;
  }
  return skipped;
}
