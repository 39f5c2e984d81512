import { ConditionFailedError, MAX_TRANSACTION_OPS, type Expression, type Store } from '#shared/store/index.ts';
import { chunks, forEachLimit, groupBy } from './batch-parallel';
import { isPendingState, keys, MARKETO_CALLS_FIELD, membershipSchema, STATS_LAST_ERROR_FIELD, STATS_LAST_RUN_FIELD, statsFieldFor, type Membership } from './model';
import type { ItemResult } from './runner-types';

export interface WriteBackTally {
  /** Results written (the person's item now says what Marketo has). */
  written: ItemResult[];
  /** People who changed meanwhile (a newer activation) and stay pending. */
  conflicts: number;
}

/**
 * Writes each person's result back, conditioned on the version the runner read:
 * a newer activation folded in meanwhile keeps its work-queue keys. When the
 * batch did change the list, `applied` is still recorded on the newer version
 * (it is a fact about Marketo), and whether the person stays pending is
 * decided again from the newer `desired`.
 */
export async function writeBack(store: Store, results: readonly ItemResult[], nowIso: string, concurrency: number): Promise<WriteBackTally> {
  const tally: WriteBackTally = { written: [], conflicts: 0 };
  // All-or-nothing groups of conditional updates: one request for up to 99 people. A
  // group that meets a newer activation is written again one by one, so only that person waits.
  const groups = chunks(results, TRANSACTION_SIZE);
  await forEachLimit(groups, Math.max(1, Math.floor(concurrency / 8)), async (group) => {
    if (group.length > 1 && new Set(group.map(({ item }) => keyOf(item.membership).sk + keyOf(item.membership).pk)).size === group.length) {
      try {
        await store.transact(group.map((result) => ({ update: keyOf(result.item.membership), set: updateFor(result), condition: versionIs(result.item.membership.version) })));
        tally.written.push(...group);
        return;
      } catch (error) {
        if (!(error instanceof ConditionFailedError)) throw error;
      }
    }
    await forEachLimit(group, concurrency, async (result) => writeOne(store, result, nowIso, tally));
  });
  return tally;
}

/** One place in each transaction is left for the runner's lease fence. */
const TRANSACTION_SIZE = MAX_TRANSACTION_OPS - 1;

const keyOf = (membership: Membership) => keys.membership(membership.destinationId, membership.audienceId, membership.email);

async function writeOne(store: Store, result: ItemResult, nowIso: string, tally: WriteBackTally): Promise<void> {
  try {
    await store.update(keyOf(result.item.membership), updateFor(result), versionIs(result.item.membership.version));
    tally.written.push(result);
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    tally.conflicts += 1;
    if (result.applied !== undefined || result.leadId !== undefined) await reconcile(store, result, error.existing, nowIso);
  }
}

function updateFor(result: ItemResult): Expression {
  const set: string[] = [];
  const values: Record<string, unknown> = {};
  if (result.forgetLeadId) return { expression: 'REMOVE leadId' }; // stays pending: the next pass looks the person up again
  if (result.outcome) {
    set.push('outcome = :outcome');
    values[':outcome'] = result.outcome;
  }
  if (result.applied) {
    set.push('applied = :applied');
    values[':applied'] = result.applied;
  }
  if (result.leadId !== undefined) {
    set.push('leadId = :leadId');
    values[':leadId'] = result.leadId;
  }
  const expression = `${set.length ? `SET ${set.join(', ')} ` : ''}REMOVE gsi1pk, gsi1sk`;
  return set.length ? { expression, values } : { expression };
}

const versionIs = (version: number): Expression => ({ expression: 'version = :readVersion', values: { ':readVersion': version } });

/** Records what the list now holds on a membership that moved on; retried while it keeps moving. */
async function reconcile(store: Store, result: ItemResult, existing: Record<string, unknown> | undefined, nowIso: string): Promise<void> {
  let current = existing;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const parsed = current ? membershipSchema.safeParse(current) : undefined;
    if (!parsed?.success) return; // the membership is gone: nothing to record on
    const next = parsed.data;
    const applied = result.applied ?? next.applied;
    try {
      await store.update(keys.membership(next.destinationId, next.audienceId, next.email), reconcileUpdate(next, applied, result, nowIso), versionIs(next.version));
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      current = error.existing;
    }
  }
  throw new Error(`membership ${result.item.membership.destinationId}/${result.item.membership.audienceId} kept changing during write-back`);
}

function reconcileUpdate(next: Membership, applied: Membership['applied'], result: ItemResult, nowIso: string): Expression {
  const values: Record<string, unknown> = { ':applied': applied };
  const set = ['applied = :applied'];
  if (result.leadId !== undefined) {
    set.push('leadId = :leadId');
    values[':leadId'] = result.leadId;
  }
  if (!isPendingState(next.desired, applied)) return { expression: `SET ${set.join(', ')} REMOVE gsi1pk, gsi1sk`, values };
  // Still (or again) pending: keep the queue position ingest gave it, or queue it now.
  set.push('gsi1pk = :gsi1pk', 'gsi1sk = if_not_exists(gsi1sk, :gsi1sk)');
  values[':gsi1pk'] = keys.pendingPartition(next.munchkinId);
  values[':gsi1sk'] = keys.pendingSort(nowIso, next.destinationId, next.audienceId, next.email);
  return { expression: `SET ${set.join(', ')}`, values };
}

/** Adds the written outcomes to each audience's counters and stamps its last run. */
export async function recordStats(store: Store, written: readonly ItemResult[], nowIso: string): Promise<void> {
  const byAudience = groupBy(written, ({ item }) => `${item.membership.destinationId}\u0000${item.membership.audienceId}`);
  for (const results of byAudience.values()) {
    const first = results[0];
    if (!first) continue;
    const counts = new Map<string, number>();
    for (const { outcome } of results) if (outcome) counts.set(statsFieldFor(outcome), (counts.get(statsFieldFor(outcome)) ?? 0) + 1);
    const names: Record<string, string> = { '#lastRun': STATS_LAST_RUN_FIELD };
    const values: Record<string, unknown> = { ':now': nowIso, ':destinationId': first.item.membership.destinationId, ':audienceId': first.item.membership.audienceId };
    const adds = [...counts].map(([field, count], index) => {
      names[`#c${index}`] = field;
      values[`:c${index}`] = count;
      return `#c${index} :c${index}`;
    });
    const { destinationId, audienceId } = first.item.membership;
    await store.update(keys.stats(destinationId, audienceId), {
      expression: `SET #lastRun = :now, destinationId = :destinationId, audienceId = :audienceId${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
      names,
      values,
    });
  }
}

/** Marks the audiences a failed batch was working on, so the status page shows why nothing moved. */
export async function recordLastError(store: Store, audiences: ReadonlyArray<{ destinationId: string; audienceId: string }>, message: string, nowIso: string): Promise<void> {
  const unique = new Map(audiences.map((audience) => [`${audience.destinationId}\u0000${audience.audienceId}`, audience]));
  for (const { destinationId, audienceId } of unique.values()) {
    await store.update(keys.stats(destinationId, audienceId), {
      expression: 'SET #lastError = :error, lastErrorAt = :now, #lastRun = :now, destinationId = :destinationId, audienceId = :audienceId',
      names: { '#lastError': STATS_LAST_ERROR_FIELD, '#lastRun': STATS_LAST_RUN_FIELD },
      values: { ':error': message, ':now': nowIso, ':destinationId': destinationId, ':audienceId': audienceId },
    });
  }
}

/** Adds Marketo REST calls to the instance's count for the US-Central day (the daily quota's day). */
export async function recordCalls(store: Store, munchkinId: string, centralDate: string, calls: number): Promise<void> {
  if (calls <= 0) return;
  await store.update(keys.callsPerDay(munchkinId, centralDate), {
    expression: 'SET munchkinId = :munchkinId, centralDate = :day ADD #calls :calls',
    names: { '#calls': MARKETO_CALLS_FIELD },
    values: { ':munchkinId': munchkinId, ':day': centralDate, ':calls': calls },
  });
}
