import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '#shared/store/index.ts';
import type { Destination } from '#functions/push-clone/core/model.ts';
import { listInstanceDestinations, markEndHandled, readDestination, stopDestination, writeDestinationSetup } from '#functions/push-clone/persistence/destinations.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { destinationFixture } from '#test/support/push-clone-fixtures.ts';

/**
 * The destination has two writers: the admin (save) and the runner (stop,
 * end-date marks). Each test interleaves them step by step, as two Lambdas
 * could, and checks that neither undoes the other.
 */
describe('destination: admin save against the runner, in either order', () => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore('destination-race');
  });

  const END = '2026-03-01T00:00:00.000Z';
  let next = 0;
  async function created(): Promise<Destination> {
    next += 1;
    const destination = destinationFixture({
      destinationId: `race-${next}`,
      munchkinId: `${next}00-RAC-000`,
      audiences: [{ audienceId: 'aud-1', listId: 1002, startDate: '2026-01-01T00:00:00.000Z', endDate: END }],
    });
    return writeDestinationSetup(store, destination, undefined);
  }
  /** What the runner reads at the start of its tick. */
  async function runnerView(destination: Destination): Promise<Destination> {
    const found = (await listInstanceDestinations(store, destination.munchkinId)).get(destination.destinationId);
    if (!found) throw new Error(`the runner does not see ${destination.destinationId}`);
    return found;
  }
  async function current(destinationId: string): Promise<Destination> {
    const found = await readDestination(store, destinationId);
    if (!found) throw new Error(`${destinationId} is gone`);
    return found;
  }
  /** The admin's fix: another list, saved on the setup the admin read. */
  const fix = (read: Destination) => writeDestinationSetup(store, { ...read, audiences: [{ ...read.audiences[0]!, listId: 1003 }], updatedAt: `${read.updatedAt}+fix` }, read);

  it('a runner holding the old setup stops after the admin saved the fix: the fix stands and the destination runs', async () => {
    const destination = await created();
    const runnerRead = await runnerView(destination);
    const adminRead = await current(destination.destinationId);
    await fix(adminRead);
    await stopDestination(store, runnerRead, 'list 1002 was not found');

    const after = await current(destination.destinationId);
    expect(after).toMatchObject({ state: 'active', audiences: [{ listId: 1003 }] });
    expect(after.stoppedReason).toBeUndefined();
    expect((await runnerView(destination)).state).toBe('active');
  });

  it('a runner stops first, then the admin saves the fix from a read made before the stop: the save wins', async () => {
    const destination = await created();
    const adminRead = await current(destination.destinationId);
    const runnerRead = await runnerView(destination);
    await stopDestination(store, runnerRead, 'list 1002 was not found');
    expect(await current(destination.destinationId)).toMatchObject({ state: 'stopped', stoppedReason: 'list 1002 was not found' });

    await fix(adminRead);
    const after = await current(destination.destinationId);
    expect(after).toMatchObject({ state: 'active', audiences: [{ listId: 1003 }] });
    expect(after.stoppedReason).toBeUndefined();
  });

  it('a stop made against the setup the admin saved last counts, in the runner\'s read too', async () => {
    const destination = await created();
    await fix(await current(destination.destinationId));
    await stopDestination(store, await runnerView(destination), 'list 1003 was not found');
    expect(await current(destination.destinationId)).toMatchObject({ state: 'stopped', stoppedReason: 'list 1003 was not found' });
    expect((await runnerView(destination)).state).toBe('stopped');
  });

  it('an admin save from a read made before the end-date mark keeps the mark', async () => {
    const destination = await created();
    const adminRead = await current(destination.destinationId);
    const runnerRead = await runnerView(destination);
    await markEndHandled(store, destination.destinationId, runnerRead.audiences[0]!, '2026-03-01T00:05:00.000Z');
    await writeDestinationSetup(store, { ...adminRead, name: 'renamed', updatedAt: `${adminRead.updatedAt}+rename` }, adminRead);

    expect(await current(destination.destinationId)).toMatchObject({ name: 'renamed', audiences: [{ endDate: END, endHandledAt: '2026-03-01T00:05:00.000Z' }] });
    expect((await runnerView(destination)).audiences[0]?.endHandledAt).toBe('2026-03-01T00:05:00.000Z');
  });

  it('a mark for the end date the runner read does not close a new end date the admin saved meanwhile', async () => {
    const destination = await created();
    const runnerRead = await runnerView(destination);
    const adminRead = await current(destination.destinationId);
    const later = '2026-04-01T00:00:00.000Z';
    await writeDestinationSetup(store, { ...adminRead, audiences: [{ ...adminRead.audiences[0]!, endDate: later }], updatedAt: `${adminRead.updatedAt}+later` }, adminRead);
    await markEndHandled(store, destination.destinationId, runnerRead.audiences[0]!, '2026-03-01T00:05:00.000Z');

    const after = await current(destination.destinationId);
    expect(after.audiences[0]).toMatchObject({ endDate: later });
    expect(after.audiences[0]?.endHandledAt).toBeUndefined();
  });

  it('records nothing for a destination that no longer exists', async () => {
    const ghost = destinationFixture({ destinationId: 'never-saved' });
    await markEndHandled(store, ghost.destinationId, { audienceId: 'aud-1', endDate: END }, '2026-03-01T00:05:00.000Z');
    await expect(stopDestination(store, ghost, 'list gone')).rejects.toThrow(/Condition failed/);
    expect(await readDestination(store, ghost.destinationId)).toBeUndefined();
    expect(await store.get({ pk: 'DEST#never-saved', sk: 'RUNSTATE' })).toBeUndefined();
  });
});
