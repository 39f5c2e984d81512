import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationInputSchema, saveDestination } from '#functions/push-clone/core/setup/destinations.ts';
import { keys, workMarkerSchema } from '#functions/push-clone/core/model.ts';
import { markerIsIdle } from '#functions/push-clone/core/instance/work-marker.ts';
import { stopDestination } from '#functions/push-clone/persistence/destinations.ts';
import { demo } from '#local/demo-identities.ts';
import { pushCloneWorld, type PushCloneWorld } from './setup-world';

/**
 * Saving a destination wakes its pending work: a stopped destination's people
 * wait in the queue while the runner deletes the instance's work marker (nothing
 * is due), so a save that reactivates the destination or changes its audiences
 * touches the marker exactly as a webhook delivery does, and the next tick runs.
 */
const input = (audiences: Array<Record<string, unknown>>) =>
  destinationInputSchema.parse({ name: 'Wake', munchkinId: demo.marketo.munchkinId, personCreationMode: 'createMissing', audiences });
const spring = { audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2026-03-01' };

describe('saving a destination wakes its pending work', () => {
  let world: PushCloneWorld;
  beforeAll(async () => {
    world = await pushCloneWorld('push-setup-wake');
  });
  afterAll(() => world.stop());

  const marker = async () => {
    const item = await world.ports.store.get(keys.workMarker(world.munchkinId));
    return item ? { item, ...workMarkerSchema.parse(item) } : undefined;
  };
  /** What the runner leaves when it finds nothing due: no marker at all. */
  const retireWorkMarker = () => world.ports.store.delete(keys.workMarker(world.munchkinId));
  const save = (audiences: Array<Record<string, unknown>> = [spring]) => saveDestination(world.ports, 'wake', input(audiences), 'test-admin');

  it('does not touch the marker when a new destination is created or saved unchanged', async () => {
    await save();
    expect(await marker()).toBeUndefined();
    await save();
    expect(await marker()).toBeUndefined();
  });

  it('touches the marker when it reactivates a stopped destination', async () => {
    const { destination } = await save();
    await stopDestination(world.ports.store, destination, 'list 1002 was deleted');
    await retireWorkMarker();
    const saved = await save();
    expect(saved.destination.state).toBe('active');
    expect(await marker()).toMatchObject({ munchkinId: world.munchkinId, version: 1 });
  });

  it('touches the marker when the audiences change, and makes an idle marker due at once', async () => {
    await retireWorkMarker();
    await save([{ ...spring, endDate: '2026-06-01' }]);
    expect(await marker()).toMatchObject({ version: 1 });
    // The runner marked the instance idle until a later start date; a changed audience must not wait for it.
    await world.ports.store.update(keys.workMarker(world.munchkinId), { expression: 'SET nextDueAt = :due, idleVersion = :version', values: { ':due': '2099-01-01T00:00:00.000Z', ':version': 1 } });
    const idle = await marker();
    expect(idle && markerIsIdle(idle.item, world.ports.clock.now())).toBe(true);
    await save([{ ...spring, endDate: '2026-06-01' }, { audienceId: 'aud-2', mappingId: demo.marketo.emptyListId, startDate: '2026-03-01' }]);
    const woken = await marker();
    expect(woken).toMatchObject({ version: 2 });
    expect(woken && markerIsIdle(woken.item, world.ports.clock.now())).toBe(false);
  });
});
