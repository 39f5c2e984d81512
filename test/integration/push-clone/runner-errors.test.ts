import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import { nextCentralMidnight } from '#shared/marketo/index.ts';
import type { FunctionInvoker } from '#shared/runtime/invoker.ts';
import { LeaseLock, type Store } from '#shared/store/index.ts';
import { dispatch } from '#functions/push-clone/core/runner/dispatcher.ts';
import { destinationSchema, keys } from '#functions/push-clone/core/model.ts';
import { readDestination, writeDestinationSetup } from '#functions/push-clone/persistence/destinations.ts';
import { runnerLeaseName } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { callsUntilDone, deliver, diffCalls, listEmails, pendingCount, people, realize, restCalls, run, runUntilDone, saveDestination, sorted, startInstance, type Instance } from './runner-world';

const LIST = 4001;
const MISSING_LIST = 4999;

describe('push clone runner: errors, quota, time and the lease', () => {
  let store: Store;
  const clock = new ManualClock(Date.now());
  const instances: Instance[] = [];
  beforeAll(async () => {
    store = await freshStore('runner-errors');
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.sandbox.stop()));
  });

  async function world(options: Parameters<typeof startInstance>[0] = {}) {
    const instance = await startInstance(options);
    instances.push(instance);
    instance.sandbox.addList('errors list', LIST);
    return { ...instance, ports: { store, clock, marketo: instance.client } };
  }
  const audience = (audienceId: string, listId = LIST) => ({ audienceId, listId, startDate: new Date(clock.now() - 60_000).toISOString() });

  it('stops a destination whose list is gone, keeps its people pending, and pushes the others', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const broken = await saveDestination(store, { munchkinId, mode: 'matchExistingOnly', audiences: [audience('gone', MISSING_LIST)] }, clock);
    const healthy = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [audience('fine')] }, clock);
    const known = people('known', 6);
    for (const email of known) sandbox.addLead({ email });
    await deliver(store, clock, broken, realize('gone', known));
    await deliver(store, clock, healthy, realize('fine', people('fine', 5)));

    const [summary] = await runUntilDone(ports, munchkinId);
    expect(summary?.stoppedDestinations).toEqual([broken.destinationId]);
    const stopped = destinationSchema.parse(await readDestination(store, broken.destinationId));
    expect(stopped.state).toBe('stopped');
    expect(stopped.stoppedReason).toContain(`list ${MISSING_LIST} was not found in instance ${munchkinId}: check the mapping ID`);
    expect(await store.get(keys.stats(broken.destinationId, 'gone'))).toMatchObject({ lastError: stopped.stoppedReason });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(people('fine', 5)));
    expect(await pendingCount(store, munchkinId)).toBe(6);

    // The admin fixes the mapping and saves: the people still pending go to the list, with the IDs already found.
    await writeDestinationSetup(store, { ...stopped, audiences: [audience('gone')] }, stopped);
    expect((await callsUntilDone(ports, munchkinId, sandbox)).byKind).toEqual({ addToList: 1 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted([...known, ...people('fine', 5)]));
  });

  it('parks the instance on 607 until midnight US Central, is skipped meanwhile, and finishes after the reset', async () => {
    const { munchkinId, sandbox, ports } = await world({ sandbox: { now: () => clock.now(), dailyQuota: 1_000 }, client: { now: () => clock.now() } });
    const destination = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [audience('quota')] }, clock);
    sandbox.spendDailyQuota(999); // others used the day's calls: one left
    const everyone = people('quota', 8);
    await deliver(store, clock, destination, realize('quota', everyone));

    const parked = await run(ports, munchkinId);
    const resumeAt = new Date(nextCentralMidnight(clock.now())).toISOString();
    expect(parked).toMatchObject({ stoppedBy: 'daily_quota', marker: 'kept' });
    expect(await store.get(keys.park(munchkinId))).toMatchObject({ resumeAt });
    expect(listEmails(sandbox, LIST)).toEqual([]);

    const invoked: unknown[] = [];
    const invoker: FunctionInvoker = { invokeAsync: async (_name, payload) => void invoked.push(payload) };
    const results = await dispatch({ store, clock, invoker }, 'push-clone-runner');
    expect(results.find((result) => result.munchkinId === munchkinId)).toMatchObject({ action: 'skipped', reason: 'parked', until: resumeAt });
    const before = restCalls(sandbox);
    expect(await run(ports, munchkinId)).toMatchObject({ stoppedBy: 'parked', marketoCalls: 0 });
    expect(diffCalls(before, restCalls(sandbox)).total).toBe(0);

    clock.set(Date.parse(resumeAt) + 1_000);
    await runUntilDone(ports, munchkinId);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect(sandbox.duplicateEmails()).toEqual([]);
  });

  it('ends the tick when Marketo keeps failing, records the error, and resumes on the next one', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const destination = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [audience('flaky')] }, clock);
    const everyone = people('flaky', 7);
    await deliver(store, clock, destination, realize('flaky', everyone));
    sandbox.server.failNext('503', '503', '503', '503', '503'); // the first call (the token) fails five times: the client gives up after 4 retries

    const failed = await run(ports, munchkinId);
    expect(failed).toMatchObject({ stoppedBy: 'unavailable', marker: 'kept' });
    expect(await store.get(keys.stats(destination.destinationId, 'flaky'))).toMatchObject({ lastError: expect.stringContaining('kept failing') });
    expect(await pendingCount(store, munchkinId)).toBe(7);

    await runUntilDone(ports, munchkinId);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
  });

  it('stops before a batch when time runs short and the next run carries on without repeating work', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const destination = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [audience('timed')] }, clock);
    const everyone = people('timed', 30);
    await deliver(store, clock, destination, realize('timed', everyone));
    let checks = 0;
    // Plenty of time for ingest and two batches, then less than the margin.
    const remainingTimeMs = () => (checks++ < 3 ? 600_000 : 1_000);
    const before = restCalls(sandbox);
    const cut = await run(ports, munchkinId, { batchSize: 10, remainingTimeMs });
    expect(cut).toMatchObject({ stoppedBy: 'out_of_time', marker: 'kept' });
    expect(cut.outcomes.added).toBeGreaterThan(0);
    expect(cut.outcomes.added).toBeLessThan(30);
    await runUntilDone(ports, munchkinId, { batchSize: 10 });
    expect(diffCalls(before, restCalls(sandbox)).byKind).toEqual({ syncLeads: 3, addToList: 3 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
  });

  it('lets one of two runners for an instance work, and takes over a dead runner\'s lease once it lapses', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const destination = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [audience('leased')] }, clock);
    const everyone = people('leased', 25);
    await deliver(store, clock, destination, realize('leased', everyone));

    const pair = await Promise.all([run(ports, munchkinId, { batchSize: 5 }), run(ports, munchkinId, { batchSize: 5 })]);
    expect(pair.map((summary) => summary.stoppedBy).sort()).toEqual(['done', 'lease_busy']);
    expect(pair.find((summary) => summary.stoppedBy === 'lease_busy')).toMatchObject({ marketoCalls: 0, batches: 0 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect(sandbox.leads()).toHaveLength(25);

    const dead = await new LeaseLock(store, clock).acquire(runnerLeaseName(munchkinId), 'a runner that died', 90_000);
    expect(dead).toBeDefined();
    await deliver(store, clock, destination, realize('leased', people('late', 3)));
    expect(await run(ports, munchkinId)).toMatchObject({ stoppedBy: 'lease_busy' });
    clock.advance(90_001);
    expect(await run(ports, munchkinId)).toMatchObject({ stoppedBy: 'done' });
    expect(listEmails(sandbox, LIST)).toEqual(sorted([...everyone, ...people('late', 3)]));
  });
});
