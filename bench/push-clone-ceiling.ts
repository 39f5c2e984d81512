import { forEachLimit, chunks } from '#shared/collections.ts';
import type { BenchRow } from './report';
import type { BenchWorld } from './push-clone-world';

/**
 * What DynamoDB Local itself can write, measured on the bench's own instance,
 * so push clone's throughput can be read against it. Every person of a first
 * push costs two conditional writes (ingest creates the membership, the runner
 * writes back what Marketo now has: both in transactions of 100, the cheapest
 * conditional write DynamoDB offers per item) and one unconditional write (the
 * lead ID cache, in BatchWrites of 25). DynamoDB Local applies writes one at a
 * time (about one core whatever the concurrency), so these rates bound what
 * any code can reach end to end on it.
 */
const GROUP = 'push-clone';
const ITEMS = 6_000;

export async function dynamoCeiling(world: BenchWorld): Promise<BenchRow[]> {
  const { store } = world;
  const indexes = Array.from({ length: ITEMS }, (_, index) => index);
  const membership = (run: string, index: number) => ({
    pk: `CEILING#${run}`,
    sk: `P#person.${index}@example.com`,
    desired: 'in',
    applied: 'none',
    qualifiedAt: 1_700_000_000_000 + index,
    version: 1,
    attributes: { firstName: 'Test' },
    gsi1pk: `CEILING_QUEUE#${run}`,
    gsi1sk: `2026-01-01T00:00:00.000Z#${index}`,
  });
  const rate = async (work: () => Promise<void>) => {
    const started = performance.now();
    await work();
    return ITEMS / ((performance.now() - started) / 1_000);
  };
  const run = `${Date.now()}`;
  const creates = await rate(() =>
    forEachLimit(chunks(indexes, 100), 4, (chunk) => store.transact(chunk.map((index) => ({ put: membership(run, index), condition: { expression: 'attribute_not_exists(pk)' } })))),
  );
  const writeBacks = await rate(() =>
    forEachLimit(chunks(indexes, 100), 4, (chunk) =>
      store.transact(
        chunk.map((index) => ({
          update: { pk: `CEILING#${run}`, sk: `P#person.${index}@example.com` },
          set: { expression: 'SET applied = :in REMOVE gsi1pk, gsi1sk', values: { ':in': 'in' } },
          condition: { expression: 'version = :version', values: { ':version': 1 } },
        })),
      ),
    ),
  );
  const cacheWrites = await rate(() =>
    forEachLimit(chunks(indexes, 25), 4, (chunk) => store.putMany(chunk.map((index) => ({ pk: `CEILING_LEADS#${run}`, sk: `person.${index}@example.com`, leadId: index + 1 })))),
  );
  const perPersonSeconds = 1 / creates + 1 / writeBacks + 1 / cacheWrites;
  const row = (name: string, value: number, note: string): BenchRow => ({ group: GROUP, name, value: Math.round(value), unit: 'items/s', bound: 1_500, kind: 'min', note });
  return [
    row('DynamoDB Local: conditional creates, transactions of 100', creates, `${ITEMS} items, 4 transactions in flight`),
    row('DynamoDB Local: conditional updates, transactions of 100', writeBacks, `${ITEMS} items, 4 transactions in flight`),
    row('DynamoDB Local: BatchWrite puts of 25', cacheWrites, `${ITEMS} items, 4 requests in flight`),
    {
      group: GROUP,
      name: 'DynamoDB Local ceiling, first push end to end (2 conditional writes + 1 cache write a person, no reads)',
      value: Math.round(1 / perPersonSeconds),
      unit: 'people/s',
      bound: 1_500,
      kind: 'min',
      note: 'the writes alone, back to back: what no push-clone code can beat on this DynamoDB Local',
    },
  ];
}
