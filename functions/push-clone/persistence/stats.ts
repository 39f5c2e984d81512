import type { Store, TransactOp } from '#shared/store/index.ts';
import { keys, MARKETO_CALLS_FIELD, STATS_LAST_ERROR_FIELD, STATS_LAST_RUN_FIELD } from '#functions/push-clone/core/model.ts';

/**
 * The runner's counters: an audience's stats item (`DEST#<id>` /
 * `STATS#<audienceId>`: counters by outcome, last run, last error) and the
 * instance's Marketo calls per US-Central day. Counters only ever grow by
 * `ADD`, so concurrent writers sum up.
 */

/** Counts to add to one audience's stats (counter field → n, `statsFieldFor`), stamped as its last run. */
export interface AudienceCounts {
  destinationId: string;
  audienceId: string;
  counts: ReadonlyMap<string, number>;
  atIso: string;
}

/** The `ADD` of some counts to their audience's counters, and its last-run stamp: one action of a write-back transaction. */
export function addCountsOp({ destinationId, audienceId, counts, atIso }: AudienceCounts): TransactOp {
  const names: Record<string, string> = { '#lastRun': STATS_LAST_RUN_FIELD };
  const values: Record<string, unknown> = { ':now': atIso, ':destinationId': destinationId, ':audienceId': audienceId };
  const adds = [...counts].map(([field, count], index) => {
    names[`#c${index}`] = field;
    values[`:c${index}`] = count;
    return `#c${index} :c${index}`;
  });
  return {
    update: keys.stats(destinationId, audienceId),
    set: { expression: `SET #lastRun = :now, destinationId = :destinationId, audienceId = :audienceId${adds.length ? ` ADD ${adds.join(', ')}` : ''}`, names, values },
  };
}

/** Marks an audience with the error that stopped its batch, so the status page shows why nothing moved. */
export async function recordAudienceError(store: Store, audience: { destinationId: string; audienceId: string }, message: string, atIso: string): Promise<void> {
  await store.update(keys.stats(audience.destinationId, audience.audienceId), {
    expression: 'SET #lastError = :error, lastErrorAt = :now, #lastRun = :now, destinationId = :destinationId, audienceId = :audienceId',
    names: { '#lastError': STATS_LAST_ERROR_FIELD, '#lastRun': STATS_LAST_RUN_FIELD },
    values: { ':error': message, ':now': atIso, ':destinationId': audience.destinationId, ':audienceId': audience.audienceId },
  });
}

/** Adds Marketo REST calls to the instance's count for the US-Central day (the daily quota's day). */
export async function addMarketoCalls(store: Store, munchkinId: string, centralDate: string, calls: number): Promise<void> {
  await store.update(keys.callsPerDay(munchkinId, centralDate), {
    expression: 'SET munchkinId = :munchkinId, centralDate = :day ADD #calls :calls',
    names: { '#calls': MARKETO_CALLS_FIELD },
    values: { ':munchkinId': munchkinId, ':day': centralDate, ':calls': calls },
  });
}

/** An audience's stats item as stored (undefined before its first count). */
export function readAudienceStats(store: Store, destinationId: string, audienceId: string): Promise<Record<string, unknown> | undefined> {
  return store.get(keys.stats(destinationId, audienceId));
}

/** The instance's calls-per-day item (undefined before the day's first call). */
export function readMarketoCalls(store: Store, munchkinId: string, centralDate: string): Promise<Record<string, unknown> | undefined> {
  return store.get(keys.callsPerDay(munchkinId, centralDate));
}
