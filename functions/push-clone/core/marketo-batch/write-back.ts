import { ConditionFailedError, MAX_TRANSACTION_OPS, type Expression, type Store, type TransactOp } from '#shared/store/index.ts';
import { forEachLimit, groupBy } from '#shared/collections.ts';
import { isPendingState, keys, MARKETO_CALLS_FIELD, membershipSchema, STATS_LAST_ERROR_FIELD, STATS_LAST_RUN_FIELD, statsFieldFor, type Membership, type Outcome } from '#functions/push-clone/core/model.ts';
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
  const updateFor = (result: ItemResult) => personUpdate(result, nowIso, history);
  const tally: WriteBackTally = { written: [], conflicts: 0 };
  const byAudience = [...groupBy(results, ({ item }) => `${item.membership.destinationId}\u0000${item.membership.audienceId}`).values()];
  await forEachLimit(byAudience, Math.max(1, Math.floor(concurrency / 8)), async (audienceResults) => {
    for (const chunk of distinctChunks(audienceResults, PEOPLE_PER_TRANSACTION)) await writeChunk(store, chunk, nowIso, updateFor, tally);
  });
  return tally;
}

const keyOf = (membership: Membership) => keys.membership(membership.destinationId, membership.audienceId, membership.email);
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

async function writeChunk(store: Store, chunk: readonly ItemResult[], nowIso: string, updateFor: (result: ItemResult) => Expression, tally: WriteBackTally): Promise<void> {
  let remaining = chunk;
  for (let round = 0; round < CHUNK_ROUNDS; round += 1) {
    if (remaining.length === 0) return;
    const first = remaining[0] as ItemResult;
    const ops: TransactOp[] = remaining.map((result) => ({ update: keyOf(result.item.membership), set: updateFor(result), condition: asRead(result.item.membership) }));
    ops.push(statsOp(first.item.membership, remaining.map(({ outcome }) => outcome), nowIso));
    try {
      await transact(store, ops);
      tally.written.push(...remaining);
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
    // Someone in the chunk moved on: find who with a consistent read, write the others again, reconcile the movers.
    const current = new Map((await store.getMany(remaining.map((result) => keyOf(result.item.membership)), { consistent: true })).map((item) => [keyString(item as unknown as Membership), item]));
    const unchanged: ItemResult[] = [];
    for (const result of remaining) {
      const existing = current.get(keyString(result.item.membership));
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
 * The membership is as the runner read it: same `version` (no newer
 * activation), same `applied`, and, when it was read from the queue, still
 * queued (no earlier write-back of the same change, e.g. after a stale index read).
 */
function asRead(membership: Membership): Expression {
  const queued = membership.gsi1pk !== undefined ? ' AND attribute_exists(gsi1pk)' : '';
  return { expression: `version = :readVersion AND applied = :readApplied${queued}`, values: { ':readVersion': membership.version, ':readApplied': membership.applied } };
}

function isAsRead(membership: Membership, existing: Record<string, unknown> | undefined): boolean {
  if (existing === undefined || existing.version !== membership.version || existing.applied !== membership.applied) return false;
  return membership.gsi1pk === undefined || existing.gsi1pk !== undefined;
}

/**
 * Where a person's outcome leaves them in gsi1: a transient failure back in
 * the work queue at its retry time; another failure in the destination
 * audience's FAILED partition (waiting for an admin); a skip in its SKIPPED
 * partition (samples by reason); anything else out of the index.
 */
function queueKeysOf(result: ItemResult): { gsi1pk: string; gsi1sk: string } | undefined {
  const { membership } = result.item;
  const { outcome } = result;
  if (outcome?.kind === 'failed' && outcome.retryAt) {
    return { gsi1pk: keys.pendingPartition(membership.munchkinId, membership.email), gsi1sk: keys.pendingSort(outcome.retryAt, membership.destinationId, membership.audienceId, membership.email) };
  }
  if (outcome?.kind === 'failed') return { gsi1pk: keys.failedPartition(membership.destinationId, membership.audienceId), gsi1sk: keys.reasonSort(outcome.reason ?? 'unspecified', membership.email) };
  if (outcome?.kind === 'skipped') return { gsi1pk: keys.skippedPartition(membership.destinationId, membership.audienceId), gsi1sk: keys.reasonSort(outcome.reason ?? 'unspecified', membership.email) };
  return undefined;
}

function personUpdate(result: ItemResult, nowIso: string, history: HistoryPolicy): Expression {
  const set: string[] = [];
  const values: Record<string, unknown> = {};
  if (result.forgetLeadId) return { expression: 'REMOVE leadId' }; // stays pending: the next pass looks the person up again
  set.push('hist = :hist');
  values[':hist'] = appendHistory(result.item.membership.hist, historyOf(result, nowIso), Date.parse(nowIso), history);
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
  const queue = queueKeysOf(result);
  if (queue) {
    set.push('gsi1pk = :queuePk', 'gsi1sk = :queueSk');
    values[':queuePk'] = queue.gsi1pk;
    values[':queueSk'] = queue.gsi1sk;
    return { expression: `SET ${set.join(', ')}`, values };
  }
  return { expression: `SET ${set.join(', ')} REMOVE gsi1pk, gsi1sk`, values };
}

/**
 * Records what the list now holds on a membership that moved on, with its
 * count, in one transaction; retried while it keeps moving. Nothing is
 * written or counted when the membership already says so (the same change
 * written before): a change is counted once, whoever records it.
 */
async function reconcile(store: Store, result: ItemResult, existing: Record<string, unknown> | undefined, nowIso: string, tally: WriteBackTally): Promise<void> {
  let current = existing;
  for (let attempt = 0; attempt < CHUNK_ROUNDS; attempt += 1) {
    const parsed = current ? membershipSchema.safeParse(current) : undefined;
    if (!parsed?.success) return; // the membership is gone: nothing to record on
    const next = parsed.data;
    const changesList = result.applied !== undefined && result.applied !== next.applied;
    const learnsLeadId = result.leadId !== undefined && result.leadId !== next.leadId;
    if (!changesList && !learnsLeadId) return;
    const ops: TransactOp[] = [{ update: keyOf(next), set: reconcileUpdate(next, changesList ? result : { ...result, outcome: undefined }, nowIso), condition: sameState(next) }];
    if (changesList) ops.push(statsOp(next, [result.outcome], nowIso));
    try {
      await transact(store, ops);
      if (changesList) tally.written.push(result);
      return;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      current = await store.get(keyOf(next), { consistent: true });
    }
  }
  throw new Error(`membership ${result.item.membership.destinationId}/${result.item.membership.audienceId} kept changing during write-back`);
}

const sameState = (membership: Membership): Expression => ({
  expression: 'version = :readVersion AND applied = :readApplied',
  values: { ':readVersion': membership.version, ':readApplied': membership.applied },
});

function reconcileUpdate(next: Membership, result: ItemResult, nowIso: string): Expression {
  const applied = result.applied ?? next.applied;
  const values: Record<string, unknown> = { ':applied': applied };
  const set = ['applied = :applied'];
  if (result.outcome) {
    set.push('outcome = :outcome');
    values[':outcome'] = result.outcome;
  }
  if (result.leadId !== undefined) {
    set.push('leadId = :leadId');
    values[':leadId'] = result.leadId;
  }
  if (!isPendingState(next.desired, applied)) return { expression: `SET ${set.join(', ')} REMOVE gsi1pk, gsi1sk`, values };
  // Still (or again) pending: keep the queue position ingest gave it, or queue it now.
  set.push('gsi1pk = :gsi1pk', 'gsi1sk = if_not_exists(gsi1sk, :gsi1sk)');
  values[':gsi1pk'] = keys.pendingPartition(next.munchkinId, next.email);
  values[':gsi1sk'] = keys.pendingSort(nowIso, next.destinationId, next.audienceId, next.email);
  return { expression: `SET ${set.join(', ')}`, values };
}

/** The `ADD` of some outcomes to their audience's counters, and its last-run stamp: one action of a write-back transaction. */
function statsOp(audience: Pick<Membership, 'destinationId' | 'audienceId'>, outcomes: ReadonlyArray<Outcome | undefined>, nowIso: string): TransactOp {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) if (outcome) counts.set(statsFieldFor(outcome), (counts.get(statsFieldFor(outcome)) ?? 0) + 1);
  const names: Record<string, string> = { '#lastRun': STATS_LAST_RUN_FIELD };
  const values: Record<string, unknown> = { ':now': nowIso, ':destinationId': audience.destinationId, ':audienceId': audience.audienceId };
  const adds = [...counts].map(([field, count], index) => {
    names[`#c${index}`] = field;
    values[`:c${index}`] = count;
    return `#c${index} :c${index}`;
  });
  return {
    update: keys.stats(audience.destinationId, audience.audienceId),
    set: { expression: `SET #lastRun = :now, destinationId = :destinationId, audienceId = :audienceId${adds.length ? ` ADD ${adds.join(', ')}` : ''}`, names, values },
  };
}

/** A transaction, tried again when DynamoDB cancels it for a conflicting request in flight on one of its items (never for a failed condition). */
async function transact(store: Store, ops: TransactOp[]): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await store.transact(ops);
      return;
    } catch (error) {
      if (attempt >= 4 || !isTransactionConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
  }
}

function isTransactionConflict(error: unknown): boolean {
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> } | undefined)?.CancellationReasons;
  return error instanceof Error && error.name === 'TransactionCanceledException' && (reasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
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
