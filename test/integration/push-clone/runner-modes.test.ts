import { describe, expect, it } from 'vitest';
import { audienceStatsSchema, keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { exit, people, realize, sorted } from './runner-world';
import { useRunnerWorlds } from './runner-setup';

const LIST = 2001;

/**
 * The list follows the audience in both person-creation modes. A story of
 * several steps runs once in a world of its own (re-arranging 320 people per
 * test would cost minutes), and records what each step left behind; each test
 * reads one behaviour from that record and changes nothing.
 */
describe('push clone runner: the list follows the audience in both person-creation modes', () => {
  // Marketo's real shape at speed: 10 calls per 500 ms, and a client budget to match.
  const worlds = useRunnerWorlds('runner-modes', { id: LIST, name: 'audience list' }, { budget: { callsPerWindow: 10, windowMs: 500, maxConcurrent: 5 } });

  describe('createMissing', () => {
    const everyone = people('create', 320);
    const leaving = everyone.slice(100, 300);
    const staying = everyone.filter((email) => !leaving.includes(email));
    /**
     * The story, in one world: 320 new people pushed; 200 of them exit; AEP
     * re-sends the others; the 200 come back. What each step left behind is
     * recorded when it ends; the tests only read it.
     */
    const story = worlds.scenario(async (world) => {
      const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('aud-a')] });
      await world.deliver(destination, realize('aud-a', everyone));
      const pushed = await world.observe(() => world.runUntilDone());
      await world.deliver(destination, exit('aud-a', leaving));
      const exited = await world.observe(() => world.runUntilDone());
      // AEP keeps sending `existing` for people still in: nothing to do.
      await world.deliver(destination, realize('aud-a', staying));
      const resent = await world.observe(() => world.runUntilDone());
      await world.deliver(destination, realize('aud-a', leaving));
      const returned = await world.observe(() => world.runUntilDone());
      const stats = audienceStatsSchema.parse(await world.store.get(keys.stats(destination.destinationId, 'aud-a')));
      return { pushed, exited, resent, returned, stats };
    });

    it('adds every person of a first push to the list', () => {
      expect(story().pushed.list).toEqual(sorted(everyone));
    });

    it('pushes 320 new people with 2 x ceil(320/300) calls: two upserts, two list adds', () => {
      expect(story().pushed.calls.byKind).toEqual({ syncLeads: 2, addToList: 2 });
    });

    it('creates each new person exactly once', () => {
      expect(story().pushed.leads).toBe(320);
      expect(story().pushed.duplicateEmails).toEqual([]);
    });

    it('removes the people who exit from the list', () => {
      expect(story().exited.list).toEqual(sorted(staying));
    });

    it('removes 200 exits with a single list call (no lookup)', () => {
      expect(story().exited.calls.byKind).toEqual({ removeFromList: 1 });
    });

    it('spends no call on AEP re-sending people already in the list', () => {
      expect(story().resent.calls.total).toBe(0);
    });

    it('adds people who come back with one list call, by their remembered lead IDs (no upsert, no lookup)', () => {
      expect(story().returned.calls.byKind).toEqual({ addToList: 1 });
    });

    it('puts people who come back into the list again', () => {
      expect(story().returned.list).toEqual(sorted(everyone));
    });

    it('creates nobody again when people come back', () => {
      expect(story().returned.leads).toBe(320);
      expect(story().returned.duplicateEmails).toEqual([]);
    });

    it('leaves nobody pending at the end of the story', () => {
      expect(story().returned.pending).toBe(0);
    });

    it('counts the story in the audience stats: 520 added, 200 removed, none failed', () => {
      expect(story().stats).toMatchObject({ added: 520, removed: 200, failed: 0 });
    });
  });

  describe('matchExistingOnly', () => {
    const known = people('known', 200);
    const strangers = people('stranger', 120);
    const leaving = known.slice(0, 150);
    /**
     * The story, in one world: 200 people Marketo knows (by upper-case email)
     * and 120 strangers pushed; 150 known people and 50 strangers exit; the
     * 150 come back. What each step left behind is recorded when it ends.
     */
    const story = worlds.scenario(async (world) => {
      for (const email of known) world.sandbox.addLead({ email: email.toUpperCase(), firstName: 'Known' }); // Marketo matches emails case-insensitively
      const destination = await world.destination({ mode: 'matchExistingOnly', audiences: [world.audience('aud-m')] });
      await world.deliver(destination, realize('aud-m', [...known, ...strangers]));
      const pushed = await world.observe(() => world.runUntilDone());
      const stranger = membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'aud-m', strangers[0] ?? '')));
      const statsAfterPush = await world.store.get(keys.stats(destination.destinationId, 'aud-m'));
      await world.deliver(destination, [...exit('aud-m', leaving), ...exit('aud-m', strangers.slice(0, 50))]);
      const exited = await world.observe(() => world.runUntilDone());
      await world.deliver(destination, realize('aud-m', leaving));
      const returned = await world.observe(() => world.runUntilDone());
      return { destination, pushed, stranger, statsAfterPush, exited, returned };
    });

    it('adds the people Marketo knows to the list', () => {
      expect(story().pushed.list).toEqual(sorted(known));
    });

    it('creates nobody: no upsert call, no new lead', () => {
      expect(story().pushed.calls.byKind.syncLeads).toBeUndefined();
      expect(story().pushed.leads).toBe(200);
    });

    it('pushes 320 people with at most 2 x ceil(320/300) calls', () => {
      expect(story().pushed.calls.total).toBeLessThanOrEqual(2 * Math.ceil(320 / 300));
    });

    it('skips a person Marketo does not know, with the reason not_found_in_marketo', () => {
      expect(story().stranger).toMatchObject({ applied: 'none', outcome: { kind: 'skipped', reason: 'not_found_in_marketo' } });
    });

    it('moves a skipped person out of the work queue into the audience\'s SKIPPED index', () => {
      // Not pending: it sits in the destination audience's SKIPPED index, for samples by reason.
      expect(story().stranger.gsi1pk).toBe(`SKIPPED#${story().destination.destinationId}#aud-m`);
    });

    it('counts the push in the audience stats: 200 added, 120 skipped as not found', () => {
      expect(story().statsAfterPush).toMatchObject({ added: 200, skipped_not_found_in_marketo: 120 });
    });

    it('removes exits with one list call, none for the strangers it never added', () => {
      expect(story().exited.calls.byKind).toEqual({ removeFromList: 1 });
    });

    it('removes the known people who exit from the list', () => {
      expect(story().exited.list).toEqual(sorted(known.slice(150)));
    });

    it('adds the known people who come back with one list call', () => {
      expect(story().returned.calls.byKind).toEqual({ addToList: 1 });
    });

    it('puts the known people who come back into the list again, creating nobody', () => {
      expect(story().returned.list).toEqual(sorted(known));
      expect(story().returned.leads).toBe(200);
      expect(story().returned.duplicateEmails).toEqual([]);
    });
  });

  describe('people of one audience join a second audience of the destination', () => {
    const shared = people('shared', 40);
    /** 40 people pushed to the first audience's list; then 20 of them join the second audience and 10 leave the first. */
    const joined = worlds.scenario(async (world) => {
      world.sandbox.addList('second list', LIST + 1);
      const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('aud-1'), world.audience('aud-2', LIST + 1)] });
      await world.deliver(destination, realize('aud-1', shared));
      await world.runUntilDone();
      await world.deliver(destination, [...realize('aud-2', shared.slice(0, 20)), ...exit('aud-1', shared.slice(30))]);
      return { calls: await world.callsUntilDone() };
    });

    it('reuses the lead IDs learnt in the first audience: no upsert, no lookup, nobody created', () => {
      expect(joined().calls.byKind).toEqual({ addToList: 1, removeFromList: 1 });
      expect(joined().world.sandbox.leads()).toHaveLength(40);
    });

    it('keeps each audience\'s list apart', () => {
      const { world } = joined();
      expect(world.listEmails(LIST)).toEqual(sorted(shared.slice(0, 30)));
      expect(world.listEmails(LIST + 1)).toEqual(sorted(shared.slice(0, 20)));
    });
  });

  describe('Marketo refuses one person of a batch (1006, unknown field)', () => {
    const good = people('good', 5);
    const refusedPush = worlds.scenario(async (world) => {
      const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('aud-r')] });
      await world.deliver(destination, [...realize('aud-r', good), { audienceId: 'aud-r', email: 'odd.field@example.com', presence: 'in', attributes: { noSuchField: 'x' } }]);
      return { destination, summaries: await world.runUntilDone() };
    });

    it('fails that person with Marketo\'s code, never creating them', async () => {
      const { world, destination } = refusedPush();
      const refused = membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'aud-r', 'odd.field@example.com')));
      expect(refused.outcome).toMatchObject({ kind: 'failed', reason: '1006' });
      expect(world.sandbox.leadsByEmail('odd.field@example.com')).toEqual([]);
    });

    it('does not retry them forever: the run ends done with nobody pending', async () => {
      const { world, summaries } = refusedPush();
      expect(summaries.at(-1)?.stoppedBy).toBe('done');
      expect(await world.pendingCount()).toBe(0);
    });

    it('adds the others of the batch', () => {
      expect(refusedPush().world.listEmails()).toEqual(sorted(good));
    });
  });
});
