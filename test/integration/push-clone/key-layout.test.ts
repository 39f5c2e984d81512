import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import type { Store } from '#shared/store/index.ts';
import { KeyLayoutError, requireKeyLayout } from '#functions/push-clone/persistence/key-layout.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { deliver, listEmails, people, realize, restCalls, saveDestination, sorted, startInstance, type Instance } from './runner-world';

/**
 * The hot keys' shard count is a setting (`PUSH_KEY_SHARDS`), chosen at
 * install: a push spreads each key over that many partitions, and a runner
 * configured with another count than the table was written with refuses to
 * run instead of looking for items where they are not.
 */
const LIST = 7001;

describe('push clone: the hot keys\' shard count is configurable at install', () => {
  const instances: Instance[] = [];
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.sandbox.stop()));
  });

  describe('the table records the count it was written with', () => {
    let store: Store;
    beforeAll(async () => {
      store = await freshStore('key-layout');
    });

    it('records the count on first use and accepts the same count again', async () => {
      await requireKeyLayout(store, 16, '2026-12-01T00:00:00.000Z');
      await requireKeyLayout(store, 16, '2026-12-02T00:00:00.000Z');
      expect(await store.get({ pk: 'META', sk: 'PUSH_KEY_SHARDS' })).toMatchObject({ shards: 16, recordedAt: '2026-12-01T00:00:00.000Z' });
    });

    it('refuses another count with an error naming both and the setting, leaving the record as it was', async () => {
      await expect(requireKeyLayout(store, 4, '2026-12-03T00:00:00.000Z')).rejects.toThrow(new KeyLayoutError('This table\'s push clone items are spread over 16 shards, but PUSH_KEY_SHARDS is 4: set PUSH_KEY_SHARDS=16 again (the count cannot change once items are written; see docs/scale.md).'));
      expect(await store.get({ pk: 'META', sk: 'PUSH_KEY_SHARDS' })).toMatchObject({ shards: 16 });
    });
  });

  describe('a deployment with PUSH_KEY_SHARDS=4', () => {
    // The shard count is read once when the key module loads: load the push-clone modules again under the setting.
    async function loadWithShards(shards: string) {
      const previous = process.env.PUSH_KEY_SHARDS;
      process.env.PUSH_KEY_SHARDS = shards;
      vi.resetModules();
      try {
        const model = await import('#functions/push-clone/core/model.ts');
        const { runInstanceTick, runnerLeaseName } = await import('#functions/push-clone/core/runner/run-instance-tick.ts');
        return { ...model, runInstanceTick, runnerLeaseName };
      } finally {
        if (previous === undefined) delete process.env.PUSH_KEY_SHARDS;
        else process.env.PUSH_KEY_SHARDS = previous;
        vi.resetModules();
      }
    }

    it('spreads an audience over 4 partitions, none with much more than a quarter, and pushes everyone', async () => {
      const { KEY_SHARDS, keys, runInstanceTick } = await loadWithShards('4');
      expect(KEY_SHARDS).toBe(4);
      const store = await freshStore('key-layout-4');
      const clock = new ManualClock(Date.now());
      const instance = await startInstance();
      instances.push(instance);
      instance.sandbox.addList('four shards', LIST);
      const destination = await saveDestination(store, { munchkinId: instance.munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'aud', listId: LIST, startDate: new Date(clock.now() - 60_000).toISOString() }] }, clock);
      const everyone = people('four-shards', 400);
      await deliver(store, clock, destination, realize('aud', everyone));
      const summary = await runInstanceTick({ store, clock, marketo: instance.client }, instance.munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: 'runner-4', bulk: false });
      expect(summary).toMatchObject({ stoppedBy: 'done', outcomes: { added: 400 } });
      expect(listEmails(instance.sandbox, LIST)).toEqual(sorted(everyone));

      const partitions = keys.membershipPartitions(destination.destinationId, 'aud');
      expect(partitions).toHaveLength(4);
      const perPartition = await Promise.all(partitions.map(async (partition) => (await store.queryAll({ partition })).length));
      expect(perPartition.reduce((sum, count) => sum + count, 0)).toBe(400);
      // A quarter each, give or take the hash's spread over 400 emails.
      expect(Math.max(...perPartition)).toBeLessThanOrEqual(1.25 * (400 / 4));
      expect(await store.get({ pk: 'META', sk: 'PUSH_KEY_SHARDS' })).toMatchObject({ shards: 4 });
    });

    it('refuses to run against a table written with 16 shards, before taking the lease or calling Marketo', async () => {
      const { runInstanceTick, runnerLeaseName } = await loadWithShards('4');
      const store = await freshStore('key-layout-16');
      await requireKeyLayout(store, 16, '2026-12-01T00:00:00.000Z');
      const instance = await startInstance();
      instances.push(instance);
      await expect(runInstanceTick({ store, clock: new ManualClock(Date.now()), marketo: instance.client }, instance.munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: 'runner-4', bulk: false })).rejects.toThrow(
        'spread over 16 shards, but PUSH_KEY_SHARDS is 4',
      );
      expect(restCalls(instance.sandbox).total).toBe(0);
      expect(await store.get({ pk: `LEASE#${runnerLeaseName(instance.munchkinId)}`, sk: 'LEASE' })).toBeUndefined();
    });
  });
});
