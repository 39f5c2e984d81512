import { describe, expect, it } from 'vitest';
import { dispatch } from '#functions/push-clone/core/runner/dispatcher.ts';
import { destinationSchema, keys, membershipSchema, type Destination } from '#functions/push-clone/core/model.ts';
import { readDestination } from '#functions/push-clone/persistence/destinations.ts';
import { exit, people, realize, sorted } from './runner-world';
import { recordingInvoker, useRunnerWorlds, type RunnerWorld } from './runner-setup';

const LIST = 3001;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Start and end dates. Each scenario runs once in a world of its own and
 * records what each step left behind; each test reads one behaviour from it.
 */
describe('push clone runner: the audience window (start and end dates)', () => {
  const worlds = useRunnerWorlds('runner-window', { id: LIST, name: 'window list' });
  const dispatchIn = async (world: RunnerWorld) => {
    const recorded = recordingInvoker();
    const results = await dispatch({ store: world.store, clock: world.clock, invoker: recorded.invoker }, 'push-clone-runner');
    return { result: results.find((result) => result.munchkinId === world.munchkinId), invoked: recorded.invoked };
  };
  const endHandledAt = async (world: RunnerWorld, destination: Destination) =>
    destinationSchema.parse(await readDestination(world.store, destination.destinationId)).audiences[0]?.endHandledAt;

  describe('an audience that starts in an hour', () => {
    const everyone = people('later', 12);
    /** 12 people delivered an hour before the start; a run and a dispatcher tick then; both again once the start date has come. */
    const scenario = worlds.scenario(async (world) => {
      const startsAt = world.clock.now() + HOUR;
      const destination = await world.destination({ mode: 'createMissing', audiences: [{ audienceId: 'later', listId: LIST, startDate: iso(startsAt) }] });
      await world.deliver(destination, realize('later', everyone));
      let earlySummary: unknown;
      const early = await world.observe(async () => (earlySummary = await world.run()));
      const earlyDispatch = await dispatchIn(world);
      world.clock.set(startsAt + 1_000);
      const dueDispatch = await dispatchIn(world);
      let dueSummaries: Awaited<ReturnType<RunnerWorld['runUntilDone']>> = [];
      const due = await world.observe(async () => (dueSummaries = await world.runUntilDone()));
      return { startsAt, early, earlySummary, earlyDispatch, dueDispatch, due, dueSummaries };
    });

    it('spends no Marketo call before the start date, adding nobody', () => {
      expect(scenario().early.calls.total).toBe(0);
      expect(scenario().early.list).toEqual([]);
    });

    it('ends a run before the start date done, with the work marker idle until then', () => {
      expect(scenario().earlySummary).toMatchObject({ stoppedBy: 'done', marker: 'idle' });
    });

    it('keeps the people pending until the start date', () => {
      expect(scenario().early.pending).toBe(12);
    });

    it('leaves the dispatcher idle for the instance until the start date', () => {
      expect(scenario().earlyDispatch.result).toMatchObject({ action: 'skipped', reason: 'not_due', until: iso(scenario().startsAt) });
    });

    it('has the dispatcher start the instance\'s runner once the start date has come', () => {
      expect(scenario().dueDispatch.invoked).toContainEqual({ munchkinId: scenario().world.munchkinId });
    });

    it('pushes everyone once the start date has come, leaving no work marker', () => {
      expect(scenario().dueSummaries.at(-1)?.marker).toBe('deleted');
      expect(scenario().due.list).toEqual(sorted(everyone));
    });
  });

  describe('freeze at the end date', () => {
    const everyone = people('frozen', 10);
    /** 10 people pushed before an end date ten minutes away; then 3 exits and 2 newcomers, the end date passes; then a delivery after the end. */
    const scenario = worlds.scenario(async (world) => {
      const endsAt = world.clock.now() + 10 * 60_000;
      const destination = await world.destination({
        mode: 'createMissing',
        endDateBehavior: 'freeze',
        audiences: [{ audienceId: 'frozen', listId: LIST, startDate: iso(world.clock.now() - HOUR), endDate: iso(endsAt) }],
      });
      await world.deliver(destination, realize('frozen', everyone));
      const beforeTheEnd = await world.observe(() => world.runUntilDone());
      await world.deliver(destination, [...exit('frozen', everyone.slice(0, 3)), ...realize('frozen', people('frozen', 2, 10))]);
      world.clock.set(endsAt + 1_000);
      const atTheEnd = await world.observe(() => world.runUntilDone());
      const expired = membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'frozen', everyone[0] ?? '')));
      const stats = await world.store.get(keys.stats(destination.destinationId, 'frozen'));
      const handledAt = await endHandledAt(world, destination);
      // Deliveries after the end date are dropped by ingest.
      await world.deliver(destination, exit('frozen', everyone));
      const afterTheEnd = await world.observe(() => world.runUntilDone());
      return { beforeTheEnd, atTheEnd, expired, stats, handledAt, afterTheEnd };
    });

    it('fills the list as usual before the end date', () => {
      expect(scenario().beforeTheEnd.list).toEqual(sorted(everyone));
    });

    it('spends no call on the changes still pending at the end date', () => {
      expect(scenario().atTheEnd.calls.total).toBe(0);
    });

    it('leaves the list as it was at the end date', () => {
      expect(scenario().atTheEnd.list).toEqual(sorted(everyone));
    });

    it('expires each pending change with the reason end_date', () => {
      expect(scenario().expired).toMatchObject({ desired: 'out', applied: 'in', outcome: { kind: 'expired', reason: 'end_date' } });
    });

    it('counts the expired changes in the audience stats', () => {
      expect(scenario().stats).toMatchObject({ added: 10, expired: 5 });
    });

    it('marks the audience\'s end as handled', () => {
      expect(scenario().handledAt).toBeDefined();
    });

    it('drops a delivery that comes after the end date: the list stays, nothing is pending', () => {
      expect(scenario().afterTheEnd.list).toEqual(sorted(everyone));
      expect(scenario().afterTheEnd.pending).toBe(0);
    });
  });

  describe('removeMembers at the end date', () => {
    const ours = people('ending', 14);
    const theirs = ['someone.else@example.com', 'another.one@example.com'];
    /**
     * A list that already holds two people someone else put there; 14 of ours
     * pushed before an end date ten minutes away, 4 of them exit; the end date
     * passes; then one more run.
     */
    const scenario = worlds.scenario(async (world) => {
      const leads = theirs.map((email) => world.sandbox.addLead({ email }));
      world.sandbox.addToList(LIST, leads.map((lead) => lead.id));
      const endsAt = world.clock.now() + 10 * 60_000;
      const destination = await world.destination({
        mode: 'createMissing',
        endDateBehavior: 'removeMembers',
        audiences: [{ audienceId: 'ending', listId: LIST, startDate: iso(world.clock.now() - HOUR), endDate: iso(endsAt) }],
      });
      await world.deliver(destination, realize('ending', ours));
      const firstSummaries = await world.runUntilDone();
      await world.deliver(destination, exit('ending', ours.slice(0, 4)));
      const exited = await world.observe(() => world.runUntilDone());
      world.clock.set(endsAt + 1_000);
      let endSummaries: Awaited<ReturnType<RunnerWorld['runUntilDone']>> = [];
      const ended = await world.observe(async () => (endSummaries = await world.runUntilDone()));
      const removed = membershipSchema.parse(await world.store.get(keys.membership(destination.destinationId, 'ending', ours[10] ?? '')));
      const handledAt = await endHandledAt(world, destination);
      const later = await world.observe(() => world.run());
      return { firstSummaries, exited, ended, endSummaries, removed, handledAt, later };
    });

    it('keeps the work marker idle before the end date, for the end still to be carried out', () => {
      expect(scenario().firstSummaries.at(-1)?.marker).toBe('idle');
    });

    it('before the end date, removes the people who exit, leaving those others put in the list', () => {
      expect(scenario().exited.list).toEqual(sorted([...theirs, ...ours.slice(4)]));
    });

    it('removes every person we added with one list call at the end date', () => {
      expect(scenario().ended.calls.byKind).toEqual({ removeFromList: 1 });
    });

    it('leaves only the people others put in the list', () => {
      expect(scenario().ended.list).toEqual(sorted(theirs));
    });

    it('records each removal with the reason end_date', () => {
      expect(scenario().removed).toMatchObject({ applied: 'out', outcome: { kind: 'removed', reason: 'end_date' } });
    });

    it('marks the end handled, so the instance has no work left (work marker deleted)', () => {
      expect(scenario().endSummaries.at(-1)?.marker).toBe('deleted');
      expect(scenario().handledAt).toBeDefined();
    });

    it('carries the end out once: a later run spends no call', () => {
      expect(scenario().later.calls.total).toBe(0);
    });
  });
});
