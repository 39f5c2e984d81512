import { forEachLimit, chunks } from '#shared/collections.ts';
import { LeaseKeeper, LeaseLock } from '#shared/store/index.ts';
import { keys, type Membership, type MembershipChange } from '#functions/push-clone/core/model.ts';
import { writeChangesCounted, writeFolds } from '#functions/push-clone/persistence/memberships.ts';
import { PEOPLE_PER_TRANSACTION } from '#functions/push-clone/core/marketo-batch/write-back.ts';
import type { BenchRow } from './report';
import type { BenchWorld } from './push-clone-world';

/**
 * What DynamoDB Local itself can do of the requests a first push makes, with
 * no push-clone logic between them, measured on the bench's own instance, so
 * push clone's end-to-end throughput can be read against it. Per person
 * (docs/scale.md has why each is there), with the items' real keys and
 * fields and, for the memberships, the design's own request builders
 * (`writeFolds`, `writeChangesCounted`):
 *
 * - ingest: the person's alias read, and their membership read (BatchGets
 *   of 100; a one-email profile writes no alias); the membership created
 *   (conditional put, transactions of 100);
 * - runner: the membership read from the due queue (`gsi1` pages of 1,000,
 *   every shard) and again, consistently, from the table (BatchGet of 100:
 *   the index answers late); the outcome written back (transactions of 98
 *   people with their audience's counters and the lease's fence, one after
 *   another since they share the counters item).
 *
 * Each kind runs alone at the concurrency push clone uses for it, and the
 * ceiling adds their times per person, as the bench's push runs ingest and
 * runner one after the other. DynamoDB Local applies requests about one at a
 * time (about one core whatever the concurrency), so this bounds what any
 * code with this design can reach end to end on it. The writes-only figure
 * (the two writes, no reads) is reported beside it.
 */
const GROUP = 'push-clone';
const ITEMS = 6_000;
/** In flight at once: ingest's default (8 BatchGets or transactions) and the write-back's per audience (one transaction after another). */
const INGEST_CONCURRENCY = 8;
const QUEUE_PAGE = 1_000;

export interface DynamoCeiling {
  rows: BenchRow[];
  /** People a second through the design's requests, back to back. */
  peoplePerSecond: number;
}

export async function dynamoCeiling(world: BenchWorld): Promise<DynamoCeiling> {
  const { store, clock } = world;
  const run = `${Date.now()}`;
  const [destinationId, audienceId, munchkinId] = [`ceiling-${run}`, 'aud', `CEILING-${run}`];
  const atIso = new Date(clock.now()).toISOString();
  // Memberships as ingest creates them: their real keys (spread over the shards), fields and queue keys.
  const memberships: Membership[] = Array.from({ length: ITEMS }, (_, index) => {
    const email = `person.${index}@example.com`;
    return {
      destinationId, audienceId, munchkinId, email, desired: 'in', applied: 'none', version: 1,
      qualifiedAt: clock.now(), attributes: { firstName: 'Test' },
      gsi1pk: keys.pendingPartition(munchkinId, email), gsi1sk: keys.pendingSort(atIso, destinationId, audienceId, email),
    };
  });
  const rate = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return ITEMS / ((performance.now() - started) / 1_000);
  };

  const aliasReads = await rate(() => forEachLimit(chunks(memberships, 100), INGEST_CONCURRENCY, async (chunk) => void (await store.getMany(chunk.map((m) => keys.alias(destinationId, m.email))))));
  const membershipReads = await rate(() => forEachLimit(chunks(memberships, 100), INGEST_CONCURRENCY, async (chunk) => void (await store.getMany(chunk.map((m) => keys.membership(destinationId, audienceId, m.email)), { consistent: true }))));
  // The design's own request builders (persistence/memberships.ts), so the transactions are exactly the ones it sends.
  const creates = await rate(() => forEachLimit(chunks(memberships, 100), INGEST_CONCURRENCY, async (chunk) => void (await writeFolds(store, chunk.map((create) => ({ create }))))));
  const queueReads = await rate(async () => {
    for (const partition of keys.pendingPartitions(munchkinId)) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await store.query({ index: 'gsi1', partition, limit: QUEUE_PAGE, startKey });
        startKey = page.nextKey;
        await store.getMany(page.items.map((item) => ({ pk: item.pk, sk: item.sk })), { consistent: true });
      } while (startKey);
    }
  });
  // Write-back as the runner sends it: 98 people, their audience's counters and the lease's fence in one transaction, one after another.
  const keeper = await LeaseKeeper.acquire(new LeaseLock(store, clock), clock, `ceiling#${run}`, 'ceiling', { ttlMs: 600_000, renewEveryMs: 300_000, heartbeatMs: 300_000 });
  if (!keeper) throw new Error('the ceiling could not take its lease');
  const fenced = store.fenced(keeper.fence());
  const writeBacks = await rate(async () => {
    for (const chunk of chunks(memberships, PEOPLE_PER_TRANSACTION)) {
      const changes = chunk.map((read, index): { read: Membership; change: MembershipChange } => ({
        read,
        change: {
          set: {
            applied: 'in',
            leadId: index + 1,
            outcome: { kind: 'added', at: atIso },
            hist: [
              { at: atIso, qualificationTime: atIso, version: 1, kind: 'delivery', status: 'realized' },
              { at: atIso, kind: 'marketo', outcome: 'added', leadId: index + 1 },
            ],
          },
          queue: 'out',
        },
      }));
      await writeChangesCounted(fenced, changes, { destinationId, audienceId, counts: new Map([['added', chunk.length]]), atIso }, { stillQueued: true });
    }
  });
  await keeper.release();
  const perPerson = (rates: number[]) => 1 / rates.reduce((seconds, itemsPerSecond) => seconds + 1 / itemsPerSecond, 0);
  const design = perPerson([aliasReads, membershipReads, creates, queueReads, writeBacks]);
  const writesOnly = perPerson([creates, writeBacks]);
  const row = (name: string, value: number, note: string): BenchRow => ({ group: GROUP, name, value: Math.round(value), unit: 'items/s', bound: 1_500, kind: 'min', note });
  return {
    peoplePerSecond: design,
    rows: [
      row('DynamoDB Local: alias reads, BatchGets of 100', aliasReads, `${ITEMS} absent items, ${INGEST_CONCURRENCY} requests in flight`),
      row('DynamoDB Local: membership reads before the fold, BatchGets of 100', membershipReads, `${ITEMS} absent items, ${INGEST_CONCURRENCY} requests in flight`),
      row('DynamoDB Local: membership creates, transactions of 100', creates, `${ITEMS} items, ${INGEST_CONCURRENCY} transactions in flight`),
      row('DynamoDB Local: due queue read (gsi1 pages, every shard) and read again consistently', queueReads, `${ITEMS} items, pages of ${QUEUE_PAGE}, BatchGets of 100`),
      row('DynamoDB Local: write-backs, transactions of 98 people + counters + lease fence', writeBacks, `${ITEMS} items, one transaction after another (one audience's counters)`),
      {
        group: GROUP,
        name: 'DynamoDB Local ceiling for the design, first push (the requests above back to back, a person each)',
        value: Math.round(design),
        unit: 'people/s',
        bound: 1_500,
        kind: 'min',
        note: `what no push-clone code with this design can beat on this DynamoDB Local; the two writes alone: ${Math.round(writesOnly)} people/s`,
      },
    ],
  };
}
