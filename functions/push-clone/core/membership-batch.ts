import { z } from 'zod';
import { ConditionFailedError, type Store } from '../../../shared/store';
import { chunks, forEachLimit } from './batch-parallel';
import { foldRecord, freshMembershipItem, type FoldTarget } from './membership-fold';
import { keys, type ActivationRecord } from './model';

export interface Fold {
  target: FoldTarget;
  record: ActivationRecord;
}

/**
 * Folds many records (at most one per membership), fast where it can be: one
 * DynamoDB request per record caps ingest at what a table answers one request
 * at a time (~700-900 a second on DynamoDB Local), well below the throughput
 * quality.md asks for. Most records of a backfill are people we have never
 * seen, so they are first created in transactions of TRANSACTION_SIZE, each
 * put conditioned on the item not existing. A transaction that loses a
 * condition names the items that exist (CancellationReasons); the rest are
 * created in the next transaction. Existing ones are then checked in
 * transactions of condition checks (a redelivery changes nothing, and is
 * proven so 50 at a time); only those that may be newer are folded one by one
 * with `foldRecord`, which applies every ordering rule. The outcome per record
 * is the same as folding each one alone.
 */
const TRANSACTION_SIZE = 50;
const CREATE_ATTEMPTS = 3;

export async function foldRecords(store: Store, folds: readonly Fold[], now: number, concurrency: number): Promise<{ applied: number; stale: number }> {
  const counts = { applied: 0, stale: 0 };
  const existing: Fold[] = [];
  await forEachLimit(chunks(folds, TRANSACTION_SIZE), concurrency, async (chunk) => {
    const found = await createAbsent(store, chunk, now);
    counts.applied += chunk.length - found.length;
    existing.push(...found);
  });
  const maybeNewer: Fold[] = [];
  await forEachLimit(chunks(existing, TRANSACTION_SIZE), concurrency, async (chunk) => {
    const unproven = await provenStale(store, chunk);
    counts.stale += chunk.length - unproven.length;
    maybeNewer.push(...unproven);
  });
  await forEachLimit(maybeNewer, concurrency, async ({ target, record }) => {
    counts[await foldRecord(store, target, record, now)] += 1;
  });
  return counts;
}

/**
 * Redeliveries are common (AEP resends `existing` people and retries slow
 * answers): a transaction of condition checks proves a whole chunk "not newer
 * than what we hold" in one request. Returns the folds it could not prove stale.
 */
async function provenStale(store: Store, chunk: readonly Fold[]): Promise<Fold[]> {
  try {
    await store.transact(
      chunk.map(({ target, record }) => ({
        check: keys.membership(target.destination.destinationId, target.audience.audienceId, record.email),
        condition: notNewerCondition(record),
      })),
    );
    return [];
  } catch (error) {
    const failed = failedConditions(error, chunk.length);
    return failed ? chunk.filter((_, index) => failed.has(index)) : [...chunk];
  }
}

/** True on the stored item exactly when `isNewer(record, item)` in membership-fold.ts is false. */
function notNewerCondition(record: ActivationRecord) {
  const names = { '#qualifiedAt': 'qualifiedAt' };
  if (record.presence === 'in') return { expression: '#qualifiedAt >= :qualifiedAt', names, values: { ':qualifiedAt': record.qualifiedAt } };
  return {
    expression: '#qualifiedAt > :qualifiedAt OR (#qualifiedAt = :qualifiedAt AND #desired <> :in)',
    names: { ...names, '#desired': 'desired' },
    values: { ':qualifiedAt': record.qualifiedAt, ':in': 'in' },
  };
}

/** Creates the memberships that do not exist yet; returns the folds it did not create (they exist, or could not be told apart). */
async function createAbsent(store: Store, chunk: readonly Fold[], now: number): Promise<Fold[]> {
  const existing: Fold[] = [];
  let remaining = chunk;
  for (let attempt = 0; attempt < CREATE_ATTEMPTS && remaining.length > 0; attempt += 1) {
    try {
      await store.transact(remaining.map(({ target, record }) => ({ put: freshMembershipItem(target, record, now), condition: { expression: 'attribute_not_exists(pk)' } })));
      return existing;
    } catch (error) {
      const failed = failedConditions(error, remaining.length);
      // Not a condition we can attribute (a conflict with another writer, throttling): fold each one alone.
      if (!failed) break;
      existing.push(...remaining.filter((_, index) => failed.has(index)));
      remaining = remaining.filter((_, index) => !failed.has(index));
    }
  }
  return [...existing, ...remaining];
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
