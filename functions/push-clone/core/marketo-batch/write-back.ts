import { ConditionFailedError, MAX_TRANSACTION_OPS, type Store } from '#shared/store/index.ts';
import { forEachLimit, groupBy } from '#shared/collections.ts';
import { isPendingState, keys, statsFieldFor, type Membership, type MembershipChange, type Outcome, type QueueKeys } from '#functions/push-clone/core/model.ts';
import { isAsRead, lookUp, readMemberships, writeChangesCounted } from '#functions/push-clone/persistence/memberships.ts';
import { addMarketoCalls, recordAudienceError, type AudienceCounts } from '#functions/push-clone/persistence/stats.ts';
import { appendHistory, DEFAULT_HISTORY_POLICY, historyOf, type HistoryPolicy } from '#functions/push-clone/core/outcomes/person-history.ts';
import type { ItemResult } from '#functions/push-clone/core/runner/run-context.ts';

export interface WriteBackTally {
  /** Results written (the person's item now says what Marketo has), each counted in its audience's stats in the same transaction. */
  written: ItemResult[];
  /** People who changed meanwhile (a newer activation) and stay pending, or who were already written. */
  conflicts: number;
}

/** DynamoDB allows 100 actions per transaction: 99 people and their audience's stats item. */
export const PEOPLE_PER_TRANSACTION = MAX_TRANSACTION_OPS - 2;

/** How often a chunk is tried again after some of its people moved on, before the run gives up (the queue keeps them). */
const CHUNK_ROUNDS = 5;

/**
 * Writes each person's result back and counts it, in one transaction: the
 * people's membership updates and the `ADD` to their audience's counters
 * commit together or not at all, so a crash between any two writes can
 * neither lose a count nor count twice (docs/push-clone.md, "Counters").
 *
 * Each update is conditioned on the membership being as the runner read it:
 * same `version` (no newer activation) and still queued (not written by an
 * earlier batch). A person who moved on is reconciled alone: when the batch
 * did change the list, `applied` (a fact about Marketo) and its count are
 * recorded on the newer version, again in one transaction; whether the person
 * stays pending is decided again from the newer `desired`.
 *
 * An audience's transactions go one after another (two at once on its stats
 * item would conflict); different audiences are written side by side.
 */
export async function writeBack(
  store: Store,
  results: readonly ItemResult[],
  nowIso: string,
  concurrency: number,
  history: HistoryPolicy = DEFAULT_HISTORY_POLICY,
): Promise<WriteBackTally> {
  // The person's history and retry position are part of the same update, so they commit with the counters.
  const changeFor = (result: ItemResult) => outcomeChange(result, nowIso, history);
  const tally: WriteBackTally = { written: [], conflicts: 0 };
  const byAudience = [...groupBy(results, ({ item }) => `${item.membership.destinationId}\u0000${item.membership.audienceId}`).values()];
  await forEachLimit(byAudience, Math.max(1, Math.floor(concurrency / 8)), async (audienceResults) => {
    for (const chunk of distinctChunks(audienceResults, PEOPLE_PER_TRANSACTION)) await writeChunk(store, chunk, nowIso, changeFor, tally);
  });
  return tally;
}

const keyString = (membership: Pick<Membership, 'destinationId' | 'audienceId' | 'email'>) => `${membership.destinationId}\u0000${membership.audienceId}\u0000${membership.email}`;

/** Chunks of at most `size` in which no person appears twice (one transaction may touch an item only once). */
function distinctChunks(results: readonly ItemResult[], size: number): ItemResult[][] {
  const out: Array<{ results: ItemResult[]; seen: Set<string> }> = [];
  for (const result of results) {
    const key = keyString(result.item.membership);
    let chunk = out.find((candidate) => candidate.results.length < size && !candidate.seen.has(key));
    if (!chunk) {
      chunk = { results: [], seen: new Set() };
      out.push(chunk);
    }
    chunk.results.push(result);
    chunk.seen.add(key);
  }
  return out.map((chunk) => chunk.results);
}

async function writeChunk(store: Store, chunk: readonly ItemResult[], nowIso: string, changeFor: (result: ItemResult) => MembershipChange, tally: WriteBackTally): Promise<void> {
  let remaining = chunk;
  for (let round = 0; round < CHUNK_ROUNDS; round += 1) {
    if (remaining.length === 0) return;
    const first = remaining[0] as ItemResult;
    const changes = remaining.map((result) => ({ read: result.item.membership, change: changeFor(result) }));
    try {
      await writeChangesCounted(store, changes, countsOf(first.item.membership, remaining.map(({ outcome }) => outcome), nowIso), { stillQueued: true });
      tally.written.push(...remaining);
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
    // Someone in the chunk moved on: find who with a consistent read, write the others again, reconcile the movers.
    const current = await readMemberships(store, remaining.map((result) => result.item.membership), { skipUnreadable: true });
    const unchanged: ItemResult[] = [];
    for (const result of remaining) {
      const existing = lookUp(current, result.item.membership);
      if (isAsRead(result.item.membership, existing)) {
        unchanged.push(result);
        continue;
      }
      tally.conflicts += 1;
      if (result.applied !== undefined || result.leadId !== undefined) await reconcile(store, result, existing, nowIso, tally);
    }
    remaining = unchanged;
  }
  if (remaining.length > 0) throw new Error(`${remaining.length} memberships kept changing during write-back; they stay pending`);
}

/**
 * Where a person's outcome leaves them in gsi1: a transient failure back in
 * the work queue at its retry time; another failure in the destination
 * audience's FAILED partition (waiting for an admin); a skip in its SKIPPED
 * partition (samples by reason); anything else out of the index.
 */
function queueKeysOf(result: ItemResult): QueueKeys | undefined {
  const { membership } = result.item;
  const { outcome } = result;
  if (outcome?.kind === 'failed' && outcome.retryAt) {
    return { gsi1pk: keys.pendingPartition(membership.munchkinId, membership.email), gsi1sk: keys.pendingSort(outcome.retryAt, membership.destinationId, membership.audienceId, membership.email) };
  }
  if (outcome?.kind === 'failed') return { gsi1pk: keys.failedPartition(membership.destinationId, membership.audienceId), gsi1sk: keys.reasonSort(outcome.reason ?? 'unspecified', membership.email) };
  if (outcome?.kind === 'skipped') return { gsi1pk: keys.skippedPartition(membership.destinationId, membership.audienceId), gsi1sk: keys.reasonSort(outcome.reason ?? 'unspecified', membership.email) };
  return undefined;
}

/**
 * The change a result makes to its person: history, outcome, what the list
 * holds, the lead ID, and where the outcome leaves them in gsi1
 * (`queueKeysOf`; nowhere: out of the index). A lead ID Marketo no longer
 * knows is only dropped: the person stays pending and is looked up again.
 */
export function outcomeChange(result: ItemResult, nowIso: string, history: HistoryPolicy): MembershipChange {
  if (result.forgetLeadId) return { set: {}, queue: 'unchanged', forgetLeadId: true };
  const queue = queueKeysOf(result);
  return {
    set: {
      hist: appendHistory(result.item.membership.hist, historyOf(result, nowIso), Date.parse(nowIso), history),
      ...(result.outcome ? { outcome: result.outcome } : {}),
      ...(result.applied ? { applied: result.applied } : {}),
      ...(result.leadId !== undefined ? { leadId: result.leadId } : {}),
    },
    queue: queue ? { at: queue } : 'out',
  };
}

/**
 * Records what the list now holds on a membership that moved on, with its
 * count, in one transaction; retried while it keeps moving. Nothing is
 * written or counted when the membership already says so (the same change
 * written before): a change is counted once, whoever records it.
 */
async function reconcile(store: Store, result: ItemResult, existing: Membership | undefined, nowIso: string, tally: WriteBackTally): Promise<void> {
  let next = existing;
  for (let attempt = 0; attempt < CHUNK_ROUNDS; attempt += 1) {
    if (!next) return; // the membership is gone: nothing to record on
    const changesList = result.applied !== undefined && result.applied !== next.applied;
    const learnsLeadId = result.leadId !== undefined && result.leadId !== next.leadId;
    if (!changesList && !learnsLeadId) return;
    const change = reconcileChange(next, changesList ? result : { ...result, outcome: undefined }, nowIso);
    try {
      await writeChangesCounted(store, [{ read: next, change }], changesList ? countsOf(next, [result.outcome], nowIso) : undefined, { stillQueued: false });
      if (changesList) tally.written.push(result);
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      next = lookUp(await readMemberships(store, [next], { skipUnreadable: true }), next);
    }
  }
  throw new Error(`membership ${result.item.membership.destinationId}/${result.item.membership.audienceId} kept changing during write-back`);
}

/**
 * What a result records on a membership that moved on (`next`): what the
 * list holds, the outcome and lead ID; pending again by `next.desired` keeps
 * the queue position ingest gave it (or is queued now), otherwise leaves the queue.
 */
export function reconcileChange(next: Membership, result: Pick<ItemResult, 'applied' | 'outcome' | 'leadId'>, nowIso: string): MembershipChange {
  const applied = result.applied ?? next.applied;
  const set: MembershipChange['set'] = { applied, ...(result.outcome ? { outcome: result.outcome } : {}), ...(result.leadId !== undefined ? { leadId: result.leadId } : {}) };
  if (!isPendingState(next.desired, applied)) return { set, queue: 'out' };
  return { set, queue: { at: { gsi1pk: keys.pendingPartition(next.munchkinId, next.email), gsi1sk: keys.pendingSort(nowIso, next.destinationId, next.audienceId, next.email) }, keepPlace: true } };
}

/** The counters some outcomes move in their audience (`statsFieldFor`), stamped as its last run. */
export function countsOf(audience: Pick<Membership, 'destinationId' | 'audienceId'>, outcomes: ReadonlyArray<Outcome | undefined>, nowIso: string): AudienceCounts {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) if (outcome) counts.set(statsFieldFor(outcome), (counts.get(statsFieldFor(outcome)) ?? 0) + 1);
  return { destinationId: audience.destinationId, audienceId: audience.audienceId, counts, atIso: nowIso };
}

/** Marks the audiences a failed batch was working on, so the status page shows why nothing moved. */
export async function recordLastError(store: Store, audiences: ReadonlyArray<{ destinationId: string; audienceId: string }>, message: string, nowIso: string): Promise<void> {
  const unique = new Map(audiences.map((audience) => [`${audience.destinationId}\u0000${audience.audienceId}`, audience]));
  for (const audience of unique.values()) await recordAudienceError(store, audience, message, nowIso);
}

/** Adds Marketo REST calls to the instance's count for the US-Central day (the daily quota's day). */
export async function recordCalls(store: Store, munchkinId: string, centralDate: string, calls: number): Promise<void> {
  if (calls > 0) await addMarketoCalls(store, munchkinId, centralDate, calls);
}
