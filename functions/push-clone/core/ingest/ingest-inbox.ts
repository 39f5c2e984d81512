import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import type { Clock } from '#shared/clock.ts';
import type { Item, Store } from '#shared/store/index.ts';
import { listInstanceDestinations } from '#functions/push-clone/persistence/destinations.ts';
import { forEachLimit } from '#shared/collections.ts';
import { foldRecords, type Fold } from '#functions/push-clone/core/ingest/membership-batch.ts';
import { newerStatement, type FoldTarget } from '#functions/push-clone/core/ingest/membership-fold.ts';
import { recordsOfProfile } from '#functions/push-clone/core/intake/activation-parser.ts';
import { activationRecordSchema, inboxItemSchema, keys, profileRecordSchema, type ActivationRecord, type Destination, type ProfileRecord } from '#functions/push-clone/core/model.ts';
import { PersonAliases } from '#functions/push-clone/core/ingest/person-aliases.ts';
import { quarantine, type QuarantineEntry } from '#functions/push-clone/core/ingest/quarantine.ts';
import { isSaneOrderingKey } from '#functions/push-clone/core/intake/timestamps.ts';

export { foldRecord, newerStatement, type FoldOutcome, type FoldTarget } from '#functions/push-clone/core/ingest/membership-fold.ts';
export { foldRecords, type Fold } from '#functions/push-clone/core/ingest/membership-batch.ts';

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
  /** Inbox items that could not be read: quarantined (shown in the status), then deleted. */
  unreadableInboxItems: number;
  /** Records (and unreadable inbox items) set aside with a reason, so the rest goes on. */
  quarantined: number;
}

const INBOX_PAGE = 10;
const storedRecordsSchema = z.array(activationRecordSchema);
const storedProfilesSchema = z.array(profileRecordSchema);

/**
 * Folds an instance's inbox into its memberships (docs/push-clone.md, step 3),
 * oldest delivery first, a page of inbox items at a time: the page's records
 * are reduced to one winner per person and audience, folded with bounded
 * parallelism (read in batches, written in transactions, see
 * ingest/membership-batch.ts), and only then are the page's inbox items deleted. A crash at any
 * point leaves inbox items that fold again harmlessly: the conditional writes
 * make a second fold of the same record a no-op. The runner calls this first
 * in each tick, under the instance's lease.
 */
export async function ingestInbox(ports: IngestPorts, munchkinId: string, options: IngestOptions = {}): Promise<IngestResult> {
  const result: IngestResult = { records: 0, applied: 0, stale: 0, afterEnd: 0, unmapped: 0, quarantined: 0, inboxItems: 0, unreadableInboxItems: 0 };
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
    const deliveries: StoredDelivery[] = [];
    const quarantined: Array<Omit<QuarantineEntry, 'at'>> = [];
    for (const item of page.items) {
      const delivery = readInboxItem(item);
      if (delivery) {
        deliveries.push(delivery);
      } else {
        result.unreadableInboxItems += 1;
        quarantined.push(unreadableInboxEntry(item));
      }
    }
    const winners = await resolveWinners(ports.store, deliveries, destinations, result, quarantined, concurrency);
    const counts = await foldRecords(ports.store, [...winners.values()], ports.clock.now(), concurrency);
    result.applied += counts.applied;
    result.stale += counts.stale;
    for (const { fold, error } of counts.failed) {
      quarantined.push({ ...subjectOf(fold.target, fold.record), reason: 'store_rejected', detail: errorDetail(error), stage: 'ingest' });
    }
    await quarantine(ports.store, quarantined, ports.clock.now());
    result.quarantined += quarantined.length;
    await forEachLimit(page.items, concurrency, async (item) => {
      await ports.store.delete({ pk: item.pk, sk: item.sk });
    });
    result.inboxItems += deliveries.length;
  } while (startKey && result.inboxItems < maxInboxItems);
  return result;
}

interface StoredDelivery {
  destinationId: string;
  receivedAt: number;
  profiles: ProfileRecord[];
}

/**
 * The page's profiles as folds, one winner per person and audience: each
 * profile resolved to its person through the destination's aliases, records
 * whose ordering key is not a sane fact quarantined (older inbox items were
 * written before the webhook refused them), records for ended or unmapped
 * audiences dropped and counted.
 */
async function resolveWinners(
  store: Store,
  deliveries: readonly StoredDelivery[],
  destinations: ReadonlyMap<string, Destination>,
  result: IngestResult,
  quarantined: Array<Omit<QuarantineEntry, 'at'>>,
  concurrency: number,
): Promise<Map<string, Fold>> {
  const winners = new Map<string, Fold>();
  const byDestination = new Map<string, StoredDelivery[]>();
  for (const delivery of deliveries) byDestination.set(delivery.destinationId, [...(byDestination.get(delivery.destinationId) ?? []), delivery]);
  for (const [destinationId, ofDestination] of byDestination) {
    const audienceIds = destinations.get(destinationId)?.audiences.map((audience) => audience.audienceId) ?? [];
    const aliases = await PersonAliases.load(store, destinationId, audienceIds, ofDestination.flatMap((delivery) => delivery.profiles.map((profile) => profile.emails)), concurrency);
    for (const delivery of ofDestination) {
      for (const profile of delivery.profiles) {
        const person = aliases.resolve(profile.emails);
        for (const record of recordsOfProfile(profile, person)) {
          result.records += 1;
          const target = targetOf(destinations.get(destinationId), record, delivery.receivedAt, result);
          if (!target) continue;
          if (!isSaneOrderingKey(record.qualifiedAt, delivery.receivedAt)) {
            quarantined.push({ ...subjectOf(target, record), reason: 'bad_timestamp', detail: `lastQualificationTime ${String(record.qualifiedAt)} is not a sane ordering key`, stage: 'ingest' });
            continue;
          }
          const key = `${destinationId}#${record.audienceId}#${record.email}`;
          const previous = winners.get(key);
          if (previous) result.stale += 1;
          winners.set(key, previous && newerStatement(previous.record, record) === previous.record ? previous : { target, record });
        }
      }
    }
    await aliases.save(store, concurrency);
  }
  return winners;
}

function subjectOf(target: FoldTarget, record: ActivationRecord) {
  return { destinationId: target.destination.destinationId, audienceId: record.audienceId, subject: record.email };
}

function unreadableInboxEntry(item: Item): Omit<QuarantineEntry, 'at'> {
  const destinationId = typeof item.destinationId === 'string' ? item.destinationId : 'unknown';
  return { destinationId, audienceId: 'inbox', subject: `${item.pk}#${item.sk}`, reason: 'unreadable_inbox_item', detail: 'the inbox item does not hold readable records', stage: 'ingest' };
}

/** A short, person-readable cause: the error's name and first line, no stack. */
export function errorDetail(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n')[0] ?? ''}`;
  return 'unknown error';
}

function readInboxItem(item: Item): StoredDelivery | undefined {
  const parsed = inboxItemSchema.safeParse(item);
  if (!parsed.success) return undefined;
  const { destinationId, receivedAt } = parsed.data;
  if (parsed.data.profilesGzip !== undefined) {
    const profiles = storedProfilesSchema.safeParse(parseJson(gunzipText(parsed.data.profilesGzip)));
    return profiles.success ? { destinationId, receivedAt, profiles: profiles.data } : undefined;
  }
  const records = storedRecordsSchema.safeParse(parseJson(parsed.data.records ?? ''));
  if (!records.success) return undefined;
  // The older format: one record per email and audience, each its own profile.
  const profiles = records.data.map(({ email, attributes, ...membership }) => ({ emails: [email], attributes, memberships: [membership] }));
  return { destinationId, receivedAt, profiles };
}

function gunzipText(compressed: Uint8Array): string {
  try {
    return gunzipSync(compressed).toString('utf8');
  } catch {
    return '';
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
