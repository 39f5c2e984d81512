import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import { parseConfig } from '#shared/config/index.ts';
import type { Store } from '#shared/store/index.ts';
import { inboxItems } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { keys } from '#functions/push-clone/core/model.ts';
import { destinationStatus } from '#functions/push-clone/core/outcomes/destination-status.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { deliver, listEmails, people, realize, run, runUntilDone, saveDestination, sorted, startInstance, type Instance } from './runner-world';
import { touchWorkMarker } from '#functions/push-clone/persistence/work-marker.ts';

const LIST = 4101;

/**
 * No single record can stop an instance: a stored record with a `1e300`
 * ordering key (what the webhook accepted before it refused such keys) and a
 * membership item that no longer reads are quarantined with their reason,
 * shown in the status, and every other person of the instance is pushed.
 */
describe('quarantine: one bad record never stops an instance', () => {
  let store: Store;
  let instance: Instance;
  const clock = new ManualClock(Date.now());
  beforeAll(async () => {
    store = await freshStore('push-quarantine');
    instance = await startInstance();
    instance.sandbox.addList('quarantine list', LIST);
  });
  afterAll(() => instance.sandbox.stop());

  it('quarantines a 1e300 record and an unreadable membership, pushes everyone else, and keeps doing so run after run', async () => {
    const ports = { store, clock, marketo: instance.client };
    const destination = await saveDestination(store, { munchkinId: instance.munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'aud', listId: LIST, startDate: new Date(clock.now() - 60_000).toISOString() }] }, clock);
    const everyone = people('fine', 7);
    await deliver(store, clock, destination, realize('aud', everyone));
    await store.putMany(inboxItems(destination.munchkinId, destination.destinationId, clock.now(), [{ audienceId: 'aud', email: 'huge@example.com', presence: 'in', qualifiedAt: 1e300, attributes: {} }]));
    // A membership item damaged by hand (or by an older version): in the queue, but not a membership.
    const broken = keys.membership(destination.destinationId, 'aud', 'broken@example.com');
    await store.put({
      ...broken,
      type: 'push-membership',
      destinationId: destination.destinationId,
      audienceId: 'aud',
      email: 'broken@example.com',
      desired: 'maybe',
      gsi1pk: keys.pendingPartition(destination.munchkinId, 'broken@example.com'),
      gsi1sk: keys.pendingSort(new Date(clock.now() - 1_000).toISOString(), destination.destinationId, 'aud', 'broken@example.com'),
    });
    await touchWorkMarker(store, destination.munchkinId, clock.now());

    const summaries = await runUntilDone(ports, instance.munchkinId);
    expect(summaries.at(-1)?.stoppedBy).toBe('done');
    // What the runner emits as MembershipsQuarantined (alarmed): the ingest's record and the queue's item.
    expect(summaries.reduce((total, summary) => total + summary.quarantined, 0)).toBe(2);
    expect(listEmails(instance.sandbox, LIST)).toEqual(sorted(everyone));

    const status = await destinationStatus({ store, clock, config: parseConfig({}) }, destination);
    expect(status.quarantine.byReason).toEqual({ bad_timestamp: 1, unreadable_membership: 1 });
    expect(status.quarantine.entries.map((entry) => [entry.subject, entry.reason, entry.stage])).toEqual([
      ['broken@example.com', 'unreadable_membership', 'runner'],
      ['huge@example.com', 'bad_timestamp', 'ingest'],
    ]);
    expect(await store.get(broken)).not.toHaveProperty('gsi1pk');

    // The next ticks meet nothing of it again.
    const later = await run(ports, instance.munchkinId);
    expect(later.stoppedBy).toBe('done');
    expect(later.quarantined).toBe(0);
    expect((await destinationStatus({ store, clock, config: parseConfig({}) }, destination)).quarantine.count).toBe(2);
  });
});
