import { z } from 'zod';
import { ConditionFailedError, isThrottlingError, type Store, type TransactOp } from '#shared/store/index.ts';
import { chunks, forEachLimit } from '#shared/collections.ts';
import { foldRecord, foldWriteOnRead, freshMembershipItem, isNewer, queueKeysFor, type FoldTarget } from '#functions/push-clone/core/ingest/membership-fold.ts';
import { keys, membershipSchema, type ActivationRecord, type Membership } from '#functions/push-clone/core/model.ts';

export interface Fold {
  target: FoldTarget;
  record: ActivationRecord;
}

/**
 * Folds many records (at most one per membership) in as few requests as it
 * can. One request per record caps ingest at what a table answers request by
 * request (~1,000 a second on DynamoDB Local), below what docs/targets.md asks.
 *
 * Chunk by chunk of TRANSACTION_SIZE (one chunk's reads overlap another's writes):
 *
 * 1. read every membership the records touch, in one BatchGet: a read
 *    costs a fraction of a write, and knowing the state means no write is
 *    spent on a guess that fails;
 * 2. records that change nothing (redeliveries, older statements) stop here,
 *    without any write;
 * 3. new people are created, and known people updated on exactly the state
 *    read (`foldWriteOnRead`), in one transaction whose every item carries
 *    the condition that makes it right. A transaction that loses
 *    names the items whose condition failed (CancellationReasons): the others
 *    go again;
 * 4. whatever lost (someone wrote meanwhile): `foldRecord`, one at a time.
 *
 * Every write is conditioned on the state it assumes, so the result per record
 * is the one `foldRecord` alone would give (ingest-equivalence.test.ts).
 */
const TRANSACTION_SIZE = 100;
const ATTEMPTS_PER_TRANSACTION = 3;

export interface FoldCounts {
  applied: number;
  stale: number;
  /** Folds the table refused for a reason other than throttling (a value it cannot store): the caller quarantines them. */
  failed: Array<{ fold: Fold; error: unknown }>;
}

export async function foldRecords(store: Store, folds: readonly Fold[], now: number, concurrency: number): Promise<FoldCounts> {
  const counts: FoldCounts = { applied: 0, stale: 0, failed: [] };
  const lost: Fold[] = [];
  // Chunk by chunk, so one chunk's reads overlap another chunk's writes.
  await forEachLimit(chunks(folds, TRANSACTION_SIZE), concurrency, async (chunk) => {
    const current = await readMemberships(store, chunk);
    const writes: Array<{ fold: Fold; op: TransactOp }> = [];
    for (const fold of chunk) {
      const { target, record } = fold;
      const key = membershipKeyOf(fold);
      const existing = current.get(key.sk + key.pk);
      if (!existing) {
        writes.push({ fold, op: { put: freshMembershipItem(target, record, now), condition: { expression: 'attribute_not_exists(pk)' } } });
      } else if (!isNewer(record, existing)) {
        counts.stale += 1;
      } else {
        const write = foldWriteOnRead(existing, record, queueKeysFor(target, record.email, now));
        writes.push({ fold, op: { update: key, set: write.update, condition: write.condition } });
      }
    }
    const failed = await inTransaction(store, writes);
    counts.applied += writes.length - failed.length;
    lost.push(...failed);
  });
  await forEachLimit(lost, concurrency, async (fold) => {
    try {
      counts[await foldRecord(store, fold.target, fold.record, now)] += 1;
    } catch (error) {
      // Throttling must fail the tick (the inbox item stays and folds again); anything else is this record's alone.
      if (isThrottlingError(error) || !(error instanceof Error) || error.name === 'LeaseLostError') throw error;
      counts.failed.push({ fold, error });
    }
  });
  return counts;
}

function membershipKeyOf({ target, record }: Fold) {
  return keys.membership(target.destination.destinationId, target.audience.audienceId, record.email);
}

/** The memberships the folds touch (one BatchGet of up to 100 keys), by sk + pk; absent people are left out. */
async function readMemberships(store: Store, folds: readonly Fold[]): Promise<Map<string, Membership>> {
  const found = new Map<string, Membership>();
  for (const item of await store.getMany(folds.map(membershipKeyOf))) found.set(item.sk + item.pk, membershipSchema.parse(item));
  return found;
}

/** Writes the ops (at most 100) in one transaction, again without the losers; returns the folds whose condition failed (or could not be told apart). */
async function inTransaction(store: Store, writes: ReadonlyArray<{ fold: Fold; op: TransactOp }>): Promise<Fold[]> {
  const failed: Fold[] = [];
  let remaining = writes;
  for (let attempt = 0; attempt < ATTEMPTS_PER_TRANSACTION && remaining.length > 0; attempt += 1) {
    try {
      await store.transact(remaining.map(({ op }) => op));
      remaining = [];
    } catch (error) {
      const lost = failedConditions(error, remaining.length);
      // Not a condition we can attribute (a conflict with another writer, throttling): leave them to foldRecord.
      if (!lost) break;
      failed.push(...remaining.filter((_, index) => lost.has(index)).map(({ fold }) => fold));
      remaining = remaining.filter((_, index) => !lost.has(index));
    }
  }
  failed.push(...remaining.map(({ fold }) => fold));
  return failed;
}

const cancellationSchema = z.object({ CancellationReasons: z.array(z.looseObject({ Code: z.string().optional() })) });

/** Indexes of the transaction's items whose condition failed, when DynamoDB said so item by item. */
function failedConditions(error: unknown, size: number): Set<number> | undefined {
  if (!(error instanceof ConditionFailedError)) return undefined;
  const cancellation = cancellationSchema.safeParse(error.cause);
  if (!cancellation.success || cancellation.data.CancellationReasons.length !== size) return undefined;
  const failed = new Set<number>();
  cancellation.data.CancellationReasons.forEach((reason, index) => {
    if (reason.Code === 'ConditionalCheckFailed') failed.add(index);
  });
  return failed.size > 0 ? failed : undefined;
}
