import { z } from 'zod';
import { ConditionFailedError, type Store, type TransactOp } from '../../../shared/store';
import { chunks, forEachLimit } from './batch-parallel';
import { foldRecord, foldWrite, freshMembershipItem, notNewerCondition, queueKeysFor, type FoldBase, type FoldTarget } from './membership-fold';
import { keys, type ActivationRecord } from './model';

export interface Fold {
  target: FoldTarget;
  record: ActivationRecord;
}

/**
 * Folds many records (at most one per membership) in as few requests as it
 * can. One request per record caps ingest at what a table answers request by
 * request (~700-900 a second on DynamoDB Local), below what quality.md asks.
 * Our Store reads no batches, so instead of reading first we write in
 * transactions of TRANSACTION_SIZE whose every item carries the condition that
 * makes it right; a transaction that loses names the items whose condition
 * failed (CancellationReasons), the others go again, and the failed ones move
 * on to the next phase:
 *
 * 1. create: people we have never seen (a backfill is mostly these);
 * 2. prove stale: condition checks that the record is not newer (redeliveries);
 * 3. update on a guessed state: the steady states of a person we know, each
 *    write conditioned on that state and on the record being newer (`foldWrite`);
 * 4. whatever is left: `foldRecord`, one read-and-write at a time.
 *
 * Every write is conditioned on the state it assumes, so the result per record
 * is the one `foldRecord` alone would give.
 */
const TRANSACTION_SIZE = 50;
const ATTEMPTS_PER_PHASE = 3;

/** Likeliest states of a known person, tried in order: added and still in, not pushed yet, removed. */
const GUESSED_BASES: readonly FoldBase[] = [
  { desired: 'in', applied: 'in' },
  { desired: 'in', applied: 'none' },
  { desired: 'out', applied: 'out' },
];

export async function foldRecords(store: Store, folds: readonly Fold[], now: number, concurrency: number): Promise<{ applied: number; stale: number }> {
  const counts = { applied: 0, stale: 0 };
  const run = async (remaining: readonly Fold[], opFor: (fold: Fold) => TransactOp, outcome: keyof typeof counts) => {
    const failed = await inTransactions(store, remaining, opFor, concurrency);
    counts[outcome] += remaining.length - failed.length;
    return failed;
  };
  let remaining = await run(folds, ({ target, record }) => ({ put: freshMembershipItem(target, record, now), condition: { expression: 'attribute_not_exists(pk)' } }), 'applied');
  remaining = await run(remaining, ({ target, record }) => ({ check: membershipKey(target, record), condition: notNewerCondition(record) }), 'stale');
  for (const base of GUESSED_BASES) {
    remaining = await run(
      remaining,
      ({ target, record }) => {
        const write = foldWrite(base, record, queueKeysFor(target, record.email, now));
        return { update: membershipKey(target, record), set: write.update, condition: write.condition };
      },
      'applied',
    );
  }
  await forEachLimit(remaining, concurrency, async ({ target, record }) => {
    counts[await foldRecord(store, target, record, now)] += 1;
  });
  return counts;
}

function membershipKey({ destination, audience }: FoldTarget, record: ActivationRecord) {
  return keys.membership(destination.destinationId, audience.audienceId, record.email);
}

/** Writes `opFor(fold)` for every fold, in transactions; returns the folds whose condition failed (or could not be told apart). */
async function inTransactions(store: Store, folds: readonly Fold[], opFor: (fold: Fold) => TransactOp, concurrency: number): Promise<Fold[]> {
  const failed: Fold[] = [];
  await forEachLimit(chunks(folds, TRANSACTION_SIZE), concurrency, async (chunk) => {
    let remaining = chunk;
    for (let attempt = 0; attempt < ATTEMPTS_PER_PHASE && remaining.length > 0; attempt += 1) {
      try {
        await store.transact(remaining.map(opFor));
        remaining = [];
      } catch (error) {
        const lost = failedConditions(error, remaining.length);
        // Not a condition we can attribute (a conflict with another writer, throttling): leave them to the next phase.
        if (!lost) break;
        failed.push(...remaining.filter((_, index) => lost.has(index)));
        remaining = remaining.filter((_, index) => !lost.has(index));
      }
    }
    failed.push(...remaining);
  });
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
