import { describe, expect, it } from 'vitest';
import { audienceStatsSchema, keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { exit, people, realize, sorted } from './runner-world';
import { useRunnerWorlds } from './runner-setup';

const LIST = 6001;

/** What the runner does with each record-level Marketo code, as the one code table says (shared/marketo/errors.ts). */
describe('push clone runner: record-level Marketo codes', () => {
  const worlds = useRunnerWorlds('runner-record-codes', { id: LIST, name: 'record codes list' });

  it('looks a person up again when Marketo no longer knows the cached lead ID (1004 on add)', async () => {
    const world = await worlds.fresh();
    const { munchkinId, sandbox } = world;
    // Two audiences on the instance, so additions read the instance's lead ID cache (cacheIsShared).
    const destination = await world.destination({ mode: 'matchExistingOnly', audiences: [world.audience('merged'), world.audience('other')] });
    const lead = sandbox.addLead({ email: 'merged.person@example.com' });
    // A lead ID cached before the person was merged into another: Marketo answers 1004 for it.
    await world.store.put({ ...keys.leadId(munchkinId, 'merged.person@example.com'), email: 'merged.person@example.com', leadId: lead.id + 10_000, at: new Date(world.clock.now()).toISOString() });

    await world.deliver(destination, realize('merged', ['merged.person@example.com']));
    await world.runUntilDone();

    expect(world.listEmails()).toEqual(['merged.person@example.com']);
    // The wrong ID is forgotten, and the one looked up again is cached and on the membership.
    expect(await world.store.get(keys.leadId(munchkinId, 'merged.person@example.com'))).toMatchObject({ leadId: lead.id });
    expect(membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'merged', 'merged.person@example.com'))).leadId).toBe(lead.id);
  });

  it('caches the lead IDs it learns for the instance once a second audience may meet the same people', async () => {
    const world = await worlds.fresh();
    const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('first'), world.audience('second')] });
    await world.deliver(destination, realize('first', ['shared.person@example.com']));
    await world.runUntilDone();
    const [lead] = world.sandbox.leadsByEmail('shared.person@example.com');
    expect(await world.store.get(keys.leadId(world.munchkinId, 'shared.person@example.com'))).toMatchObject({ leadId: lead?.id });
  });

  it('with one audience, reads the lead ID cache for removals only: an ID an older bulk import left there spares the exit its lookup', async () => {
    const world = await worlds.fresh();
    const { munchkinId, sandbox } = world;
    const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('legacy')] });
    await world.deliver(destination, realize('legacy', ['legacy.person@example.com']));
    await world.runUntilDone();
    const [lead] = sandbox.leadsByEmail('legacy.person@example.com');
    // As an earlier version's bulk import left it: the ID in the instance's cache only, not on the membership.
    const key = keys.membership(destination.destinationId, 'legacy', 'legacy.person@example.com');
    await world.store.update(key, { expression: 'REMOVE leadId' });
    await world.store.put({ ...keys.leadId(munchkinId, 'legacy.person@example.com'), email: 'legacy.person@example.com', leadId: lead!.id, at: new Date(world.clock.now()).toISOString() });
    await world.deliver(destination, exit('legacy', ['legacy.person@example.com']));
    expect((await world.callsUntilDone()).byKind).toEqual({ removeFromList: 1 });
    expect(world.listEmails()).toEqual([]);
  });

  it('counts a removal of someone already out of the list (1015) as removed, not failed', async () => {
    const world = await worlds.fresh();
    const { sandbox, ports } = world;
    const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('gone-by-hand')] });
    const everyone = people('by-hand', 3);
    await world.deliver(destination, realize('gone-by-hand', everyone));
    await world.runUntilDone();
    // Someone removes one person from the list by hand in Marketo.
    const [byHand] = sandbox.leadsByEmail(everyone[0] ?? '');
    if (!byHand) throw new Error('the person was not created');
    await ports.marketo.removeFromList(LIST, [byHand.id]);

    await world.deliver(destination, exit('gone-by-hand', [everyone[0] ?? '']));
    await world.runUntilDone();

    const membership = membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'gone-by-hand', everyone[0] ?? '')));
    expect(membership).toMatchObject({ applied: 'out', outcome: { kind: 'removed' } });
    expect(audienceStatsSchema.parse(await world.store.get(keys.stats(destination.destinationId, 'gone-by-hand')))).toMatchObject({ removed: 1, failed: 0 });
    expect(world.listEmails()).toEqual(sorted(everyone.slice(1)));
  });

  it('skips, and does not fail, a person whose email matches several Marketo people (1007)', async () => {
    const world = await worlds.fresh();
    const { sandbox } = world;
    const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('twins')] });
    sandbox.addLead({ email: 'twin@example.com', firstName: 'One' });
    sandbox.addLead({ email: 'twin@example.com', firstName: 'Two' });

    await world.deliver(destination, realize('twins', ['twin@example.com', 'single@example.com']));
    await world.runUntilDone();

    const twin = membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'twins', 'twin@example.com')));
    expect(twin.outcome).toMatchObject({ kind: 'skipped', reason: '1007' });
    expect(world.listEmails()).toEqual(['single@example.com']);
  });
});
