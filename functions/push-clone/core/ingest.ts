import { z } from 'zod';
import type { Clock } from '#shared/clock.ts';
import type { Item, Store } from '#shared/store/index.ts';
import { listInstanceDestinations } from './destinations';
import { forEachLimit } from './batch-parallel';
import { foldRecords, type Fold } from './membership-batch';
import { newerStatement, type FoldTarget } from './membership-fold';
import { activationRecordSchema, inboxItemSchema, keys, type ActivationRecord, type Destination } from './model';

export { foldRecord, newerStatement, type FoldOutcome, type FoldTarget } from './membership-fold';
export { foldRecords, type Fold } from './membership-batch';

export interface IngestPorts {
  store: Store;
  clock: Clock;
}

export interface IngestOptions {
  /** Inbox items folded at most in this call (default 500: ~500,000 records). */
  maxInboxItems?: number;
  /** DynamoDB requests in flight at once (default 8: BatchGets of 100, transactions of 100, or single conditional writes). */
  concurrency?: number;
  /** Asked before each page of inbox items; false stops early (the runner's "time is running out"). */
  shouldContinue?: () => boolean;
  /** The instance's destinations when the caller (the runner) has read them already; read here otherwise. */
  destinations?: ReadonlyMap<string, Destination>;
}

export interface IngestResult {
  /** Records read from the inbox items folded in this call. */
  records: number;
  /** Records that changed a membership. */
  applied: number;
  /** Records older than (or equal to) what a membership holds, redeliveries and same-delivery duplicates included. */
  stale: number;
  /** Records that arrived after their audience's end date: dropped. */
  afterEnd: number;
  /** Records for a destination or audience that no longer exists (removed since the webhook accepted them): dropped. */
  unmapped: number;
  /** Inbox items folded and deleted. */
  inboxItems: number;
  /** Inbox items that could not be read; left in place for a person to look at. */
  unreadableInboxItems: number;
}

const INBOX_PAGE = 10;
const storedRecordsSchema = z.array(activationRecordSchema);

/**
 * Folds an instance's inbox into its memberships (docs/push-clone.md, step 3),
 * oldest delivery first, a page of inbox items at a time: the page's records
 * are reduced to one winner per person and audience, folded with bounded
 * parallelism (read in batches, written in transactions, see
 * membership-batch.ts), and only then are the page's inbox items deleted. A crash at any
 * point leaves inbox items that fold again harmlessly: the conditional writes
 * make a second fold of the same record a no-op. The runner calls this first
 * in each tick, under the instance's lease.
 */
export async function ingestInbox(ports: IngestPorts, munchkinId: string, options: IngestOptions = {}): Promise<IngestResult> {
  const result: IngestResult = { records: 0, applied: 0, stale: 0, afterEnd: 0, unmapped: 0, inboxItems: 0, unreadableInboxItems: 0 };
  const maxInboxItems = options.maxInboxItems ?? 500;
  const concurrency = options.concurrency ?? 8;
  const destinations = options.destinations ?? (await listInstanceDestinations(ports.store, munchkinId));
  let startKey: Record<string, unknown> | undefined;
  do {
    if (options.shouldContinue && !options.shouldContinue()) break;
    const page = await ports.store.query({
      partition: keys.inboxPartition(munchkinId),
      limit: Math.min(INBOX_PAGE, maxInboxItems - result.inboxItems),
      startKey,
      consistent: true,
    });
    startKey = page.nextKey;
    const folded: Item[] = [];
    const winners = new Map<string, Fold>();
    for (const item of page.items) {
      const delivery = readInboxItem(item);
      if (!delivery) {
        result.unreadableInboxItems += 1;
        continue;
      }
      folded.push(item);
      result.records += delivery.records.length;
      for (const record of delivery.records) {
        const target = targetOf(destinations.get(delivery.destinationId), record, delivery.receivedAt, result);
        if (!target) continue;
        const key = `${delivery.destinationId}#${record.audienceId}#${record.email}`;
        const previous = winners.get(key);
        if (previous) result.stale += 1;
        winners.set(key, previous && newerStatement(previous.record, record) === previous.record ? previous : { target, record });
      }
    }
    const counts = await foldRecords(ports.store, [...winners.values()], ports.clock.now(), concurrency);
    result.applied += counts.applied;
    result.stale += counts.stale;
    await forEachLimit(folded, concurrency, async (item) => {
      await ports.store.delete({ pk: item.pk, sk: item.sk });
    });
    result.inboxItems += folded.length;
  } while (startKey && result.inboxItems < maxInboxItems);
  return result;
}

function readInboxItem(item: Item): { destinationId: string; receivedAt: number; records: ActivationRecord[] } | undefined {
  const parsed = inboxItemSchema.safeParse(item);
  if (!parsed.success) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(parsed.data.records);
  } catch {
    return undefined;
  }
  const records = storedRecordsSchema.safeParse(json);
  return records.success ? { destinationId: parsed.data.destinationId, receivedAt: parsed.data.receivedAt, records: records.data } : undefined;
}

/** The destination and audience a record belongs to, or undefined (counted) when it must be dropped. */
function targetOf(destination: Destination | undefined, record: ActivationRecord, receivedAt: number, result: IngestResult): FoldTarget | undefined {
  const audience = destination?.audiences.find((candidate) => candidate.audienceId === record.audienceId);
  if (!destination || !audience) {
    result.unmapped += 1;
    return undefined;
  }
  // Judged on arrival, not on when ingest runs, so a late tick never drops what came in time.
  if (audience.endDate !== undefined && receivedAt > Date.parse(audience.endDate)) {
    result.afterEnd += 1;
    return undefined;
  }
  return { destination, audience };
}
