import { describe, expect, it } from 'vitest';
import { audienceStatsSchema, keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { deliver, exit, listEmails, people, realize, runUntilDone, saveDestination, sorted } from './runner-world';
import { useRunnerWorld } from './runner-setup';

const LIST = 6001;

/** What the runner does with each record-level Marketo code, as the one code table says (shared/marketo/errors.ts). */
describe('push clone runner: record-level Marketo codes', () => {
  const world = useRunnerWorld('runner-record-codes', { id: LIST, name: 'record codes list' });

  it('looks a person up again when Marketo no longer knows the cached lead ID (1004 on add)', async () => {
    const { munchkinId, sandbox, ports } = await world.instance();
    const destination = await saveDestination(world.store, { munchkinId, mode: 'matchExistingOnly', audiences: [world.audience('merged')] }, world.clock);
    const lead = sandbox.addLead({ email: 'merged.person@example.com' });
    // A lead ID cached before the person was merged into another: Marketo answers 1004 for it.
    await world.store.put({ ...keys.leadId(munchkinId, 'merged.person@example.com'), email: 'merged.person@example.com', leadId: lead.id + 10_000, at: new Date(world.clock.now()).toISOString() });

    await deliver(world.store, world.clock, destination, realize('merged', ['merged.person@example.com']));
    await runUntilDone(ports, munchkinId);

    expect(listEmails(sandbox, LIST)).toEqual(['merged.person@example.com']);
    // The wrong ID is forgotten; with one audience on the instance the right one lives on the membership only (cacheIsShared).
    expect(await world.store.get(keys.leadId(munchkinId, 'merged.person@example.com'))).toBeUndefined();
    expect(membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'merged', 'merged.person@example.com'))).leadId).toBe(lead.id);
  });

  it('caches the lead IDs it learns for the instance once a second audience may meet the same people', async () => {
    const { munchkinId, sandbox, ports } = await world.instance();
    const destination = await saveDestination(world.store, { munchkinId, mode: 'createMissing', audiences: [world.audience('first'), world.audience('second')] }, world.clock);
    await deliver(world.store, world.clock, destination, realize('first', ['shared.person@example.com']));
    await runUntilDone(ports, munchkinId);
    const [lead] = sandbox.leadsByEmail('shared.person@example.com');
    expect(await world.store.get(keys.leadId(munchkinId, 'shared.person@example.com'))).toMatchObject({ leadId: lead?.id });
  });

  it('counts a removal of someone already out of the list (1015) as removed, not failed', async () => {
    const { munchkinId, sandbox, ports } = await world.instance();
    const destination = await saveDestination(world.store, { munchkinId, mode: 'createMissing', audiences: [world.audience('gone-by-hand')] }, world.clock);
    const everyone = people('by-hand', 3);
    await deliver(world.store, world.clock, destination, realize('gone-by-hand', everyone));
    await runUntilDone(ports, munchkinId);
    // Someone removes one person from the list by hand in Marketo.
    const [byHand] = sandbox.leadsByEmail(everyone[0] ?? '');
    if (!byHand) throw new Error('the person was not created');
    await ports.marketo.removeFromList(LIST, [byHand.id]);

    await deliver(world.store, world.clock, destination, exit('gone-by-hand', [everyone[0] ?? '']));
    await runUntilDone(ports, munchkinId);

    const membership = membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'gone-by-hand', everyone[0] ?? '')));
    expect(membership).toMatchObject({ applied: 'out', outcome: { kind: 'removed' } });
    expect(audienceStatsSchema.parse(await world.store.get(keys.stats(destination.destinationId, 'gone-by-hand')))).toMatchObject({ removed: 1, failed: 0 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone.slice(1)));
  });

  it('skips, and does not fail, a person whose email matches several Marketo people (1007)', async () => {
    const { munchkinId, sandbox, ports } = await world.instance();
    const destination = await saveDestination(world.store, { munchkinId, mode: 'createMissing', audiences: [world.audience('twins')] }, world.clock);
    sandbox.addLead({ email: 'twin@example.com', firstName: 'One' });
    sandbox.addLead({ email: 'twin@example.com', firstName: 'Two' });

    await deliver(world.store, world.clock, destination, realize('twins', ['twin@example.com', 'single@example.com']));
    await runUntilDone(ports, munchkinId);

    const twin = membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'twins', 'twin@example.com')));
    expect(twin.outcome).toMatchObject({ kind: 'skipped', reason: '1007' });
    expect(listEmails(sandbox, LIST)).toEqual(['single@example.com']);
  });
});
