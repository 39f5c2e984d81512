import { forEachLimit, chunks } from '#shared/collections.ts';
import type { BenchRow } from './report';
import type { BenchWorld } from './push-clone-world';

/**
 * What DynamoDB Local itself can do of the requests a first push makes, with
 * no push-clone logic between them, measured on the bench's own instance, so
 * push clone's end-to-end throughput can be read against it. Per person
 * (docs/scale.md has why each is there):
 *
 * - ingest: the person's alias read (BatchGet of 100) and written (BatchWrite
 *   of 25); the membership created (conditional put, transactions of 100);
 * - runner: the membership read from the due queue (`gsi1` pages of 1,000)
 *   and again, consistently, from the table (BatchGet of 100: the index
 *   answers late); the outcome written back (conditional update removing the
 *   queue keys, transactions of 100).
 *
 * Each kind runs alone at the concurrency push clone uses for it, and the
 * ceiling adds their times per person, as the bench's push runs ingest and
 * runner one after the other. DynamoDB Local applies requests about one at a
 * time (about one core whatever the concurrency), so this bounds what any
 * code with this design can reach end to end on it. The writes-only figure
 * (the three writes, no reads) is reported beside it.
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
  const { store } = world;
  const indexes = Array.from({ length: ITEMS }, (_, index) => index);
  const run = `${Date.now()}`;
  const membershipKey = (index: number) => ({ pk: `CEILING#${run}`, sk: `P#person.${index}@example.com` });
  const aliasKey = (index: number) => ({ pk: `CEILING_ALIAS#${run}`, sk: `person.${index}@example.com` });
  const membership = (index: number) => ({
    ...membershipKey(index),
    desired: 'in',
    applied: 'none',
    qualifiedAt: 1_700_000_000_000 + index,
    version: 1,
    attributes: { firstName: 'Test' },
    gsi1pk: `CEILING_QUEUE#${run}`,
    gsi1sk: `2026-01-01T00:00:00.000Z#${index}`,
  });
  const rate = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return ITEMS / ((performance.now() - started) / 1_000);
  };

  const aliasReads = await rate(() => forEachLimit(chunks(indexes, 100), INGEST_CONCURRENCY, async (chunk) => void (await store.getMany(chunk.map(aliasKey)))));
  const aliasWrites = await rate(() => forEachLimit(chunks(indexes, 25), INGEST_CONCURRENCY, (chunk) => store.putMany(chunk.map((index) => ({ ...aliasKey(index), person: `person.${index}@example.com` })))));
  const creates = await rate(() =>
    forEachLimit(chunks(indexes, 100), INGEST_CONCURRENCY, (chunk) => store.transact(chunk.map((index) => ({ put: membership(index), condition: { expression: 'attribute_not_exists(pk)' } })))),
  );
  const queueReads = await rate(async () => {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await store.query({ index: 'gsi1', partition: `CEILING_QUEUE#${run}`, limit: QUEUE_PAGE, startKey });
      startKey = page.nextKey;
      await forEachLimit(chunks(page.items, 100), 4, async (chunk) => void (await store.getMany(chunk.map((item) => ({ pk: item.pk, sk: item.sk })), { consistent: true })));
    } while (startKey);
  });
  const writeBacks = await rate(async () => {
    for (const chunk of chunks(indexes, 100)) {
      await store.transact(
        chunk.map((index) => ({
          update: membershipKey(index),
          set: { expression: 'SET applied = :in REMOVE gsi1pk, gsi1sk', values: { ':in': 'in' } },
          condition: { expression: 'version = :version', values: { ':version': 1 } },
        })),
      );
    }
  });
  const perPerson = (rates: number[]) => 1 / rates.reduce((seconds, itemsPerSecond) => seconds + 1 / itemsPerSecond, 0);
  const design = perPerson([aliasReads, aliasWrites, creates, queueReads, writeBacks]);
  const writesOnly = perPerson([aliasWrites, creates, writeBacks]);
  const row = (name: string, value: number, note: string): BenchRow => ({ group: GROUP, name, value: Math.round(value), unit: 'items/s', bound: 1_500, kind: 'min', note });
  return {
    peoplePerSecond: design,
    rows: [
      row('DynamoDB Local: alias reads, BatchGets of 100', aliasReads, `${ITEMS} absent items, ${INGEST_CONCURRENCY} requests in flight`),
      row('DynamoDB Local: alias writes, BatchWrites of 25', aliasWrites, `${ITEMS} items, ${INGEST_CONCURRENCY} requests in flight`),
      row('DynamoDB Local: conditional creates, transactions of 100', creates, `${ITEMS} items, ${INGEST_CONCURRENCY} transactions in flight`),
      row('DynamoDB Local: due queue read (gsi1 pages) and read again consistently', queueReads, `${ITEMS} items, pages of ${QUEUE_PAGE}, BatchGets of 100, 4 in flight`),
      row('DynamoDB Local: conditional updates, transactions of 100', writeBacks, `${ITEMS} items, one transaction after another (one audience)`),
      {
        group: GROUP,
        name: 'DynamoDB Local ceiling for the design, first push (the requests above back to back, a person each)',
        value: Math.round(design),
        unit: 'people/s',
        bound: 1_500,
        kind: 'min',
        note: `what no push-clone code with this design can beat on this DynamoDB Local; the three writes alone: ${Math.round(writesOnly)} people/s`,
      },
    ],
  };
}
