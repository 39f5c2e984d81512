import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldRecord, foldRecords } from '#functions/push-clone/core/ingest/ingest-inbox.ts';
import { keys, membershipSchema, type ActivationRecord, type AppliedState, type Destination, type Presence } from '#functions/push-clone/core/model.ts';
import type { Store } from '#shared/store/index.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { destinationFixture } from './setup-world';

const NOW = Date.parse('2026-02-01T10:00:00Z');
const EMAILS = Array.from({ length: 12 }, (_, index) => `person.${index}@example.com`);
const audience = { audienceId: 'aud', listId: 1002, startDate: '2026-01-01T00:00:00.000Z' };

/** What a person's membership may hold before a delivery: nothing, or any state the webhook and runner can leave. */
const priorState = fc.option(
  fc.record({
    desired: fc.constantFrom<Presence>('in', 'out'),
    applied: fc.constantFrom<AppliedState>('in', 'out', 'none'),
    qualifiedAt: fc.integer({ min: 0, max: 4 }),
    version: fc.integer({ min: 1, max: 3 }),
    queued: fc.boolean(),
  }),
  { nil: undefined },
);
const statement = fc.record({ presence: fc.constantFrom<Presence>('in', 'out'), qualifiedAt: fc.integer({ min: 0, max: 4 }) });
const scenario = fc.array(fc.tuple(priorState, statement), { minLength: EMAILS.length, maxLength: EMAILS.length });
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

describe('folding in batches gives what folding one by one gives', () => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore('push-ingest-equivalence');
  });

  let run = 0;
  const seed = async (destination: Destination, states: Scenario) => {
    await Promise.all(
      states.map(async ([prior], index) => {
        const email = EMAILS[index] ?? 'missing@example.com';
        if (!prior) return;
        const queue = prior.queued ? { gsi1pk: keys.pendingPartition(destination.munchkinId, email), gsi1sk: keys.pendingSort('2026-01-15T00:00:00.000Z', destination.destinationId, 'aud', email) } : {};
        await store.put({
          ...keys.membership(destination.destinationId, 'aud', email),
          destinationId: destination.destinationId,
          audienceId: 'aud',
          munchkinId: destination.munchkinId,
          email,
          desired: prior.desired,
          applied: prior.applied,
          qualifiedAt: prior.qualifiedAt,
          version: prior.version,
          attributes: { firstName: 'Before' },
          ...queue,
        });
      }),
    );
  };
  const snapshot = async (destination: Destination) => {
    const items = await store.queryAllOf(keys.membershipPartitions(destination.destinationId, 'aud'), { consistent: true });
    return items.map((item) => {
      const { destinationId: _destinationId, ...rest } = membershipSchema.parse(item);
      return { ...rest, gsi1pk: rest.gsi1pk, gsi1sk: rest.gsi1sk?.replace(destination.destinationId, 'D') };
    });
  };

  /**
   * `fresh`: the batch reads what is there. `absent` and `older`: someone wrote
   * between the batch's read and its write (the read saw no item, or an older
   * one), so the batch's conditional writes lose and the losers are folded one
   * by one; the result must not change.
   */
  it.each(['fresh', 'absent', 'older'] as const)('for any prior states and any delivery (batch reads %s)', async (reads) => {
    const batchStore = reads === 'fresh' ? store : laggingReads(store, reads);
    await fc.assert(
      fc.asyncProperty(scenario, async (states) => {
        run += 1;
        const batched = destinationFixture({ destinationId: `batched-${run}`, audiences: [audience] });
        const single = destinationFixture({ destinationId: `single-${run}`, audiences: [audience] });
        await Promise.all([seed(batched, states), seed(single, states)]);
        const records: ActivationRecord[] = states.map(([, said], index) => ({ audienceId: 'aud', email: EMAILS[index] ?? '', presence: said.presence, qualifiedAt: said.qualifiedAt, attributes: { firstName: 'After' } }));
        const counts = await foldRecords(batchStore, records.map((record) => ({ target: { destination: batched, audience }, record })), NOW, 4);
        let applied = 0;
        for (const record of records) if ((await foldRecord(store, { destination: single, audience }, record, NOW)) === 'applied') applied += 1;
        expect(counts.applied).toBe(applied);
        expect(counts.stale).toBe(records.length - applied);
        expect(await snapshot(batched)).toEqual(await snapshot(single));
      }),
      { numRuns: 15 },
    );
  });
});

/** The store, except that batch reads see every item as absent, or as it was before its last statement (an older qualifiedAt). */
function laggingReads(store: Store, lag: 'absent' | 'older'): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'getMany') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<Store['getMany']>) => {
        const items = await target.getMany(...args);
        return lag === 'absent' ? [] : items.map((item) => ({ ...item, qualifiedAt: Number(item.qualifiedAt) - 1 }));
      };
    },
  });
}
