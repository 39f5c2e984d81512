import { isThrottlingError, type Store } from '#shared/store/index.ts';
import { chunks, forEachLimit } from '#shared/collections.ts';
import { foldChangeOnRead, foldRecord, freshMembership, isNewer, queueKeysFor, type FoldTarget } from '#functions/push-clone/core/ingest/membership-fold.ts';
import type { ActivationRecord } from '#functions/push-clone/core/model.ts';
import { lookUp, readMemberships, writeFolds, type FoldWrite } from '#functions/push-clone/persistence/memberships.ts';

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
 *    read (`foldChangeOnRead`), in one transaction whose every item carries
 *    the condition that makes it right; the writes whose condition lost are
 *    named, the others go again (`writeFolds`);
 * 4. whatever lost (someone wrote meanwhile): `foldRecord`, one at a time.
 *
 * Every write is conditioned on the state it assumes, so the result per record
 * is the one `foldRecord` alone would give (ingest-equivalence.test.ts).
 */
const TRANSACTION_SIZE = 100;

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
    const current = await readMemberships(store, chunk.map(membershipOf));
    const writes: Array<{ fold: Fold; write: FoldWrite }> = [];
    for (const fold of chunk) {
      const { target, record } = fold;
      const existing = lookUp(current, membershipOf(fold));
      if (!existing) {
        writes.push({ fold, write: { create: freshMembership(target, record, now) } });
      } else if (!isNewer(record, existing)) {
        counts.stale += 1;
      } else {
        writes.push({ fold, write: { key: existing, fold: foldChangeOnRead(existing, record, queueKeysFor(target, record.email, now)) } });
      }
    }
    const notWritten = await writeFolds(store, writes.map(({ write }) => write));
    counts.applied += writes.length - notWritten.size;
    lost.push(...writes.filter((_, index) => notWritten.has(index)).map(({ fold }) => fold));
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

function membershipOf({ target, record }: Fold) {
  return { destinationId: target.destination.destinationId, audienceId: target.audience.audienceId, email: record.email };
}
