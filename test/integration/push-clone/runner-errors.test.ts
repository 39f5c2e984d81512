import { describe, expect, it } from 'vitest';
import { nextCentralMidnight } from '#shared/marketo/index.ts';
import { LeaseLock } from '#shared/store/index.ts';
import { dispatch } from '#functions/push-clone/core/runner/dispatcher.ts';
import { destinationSchema, keys } from '#functions/push-clone/core/model.ts';
import { readDestination, writeDestinationSetup } from '#functions/push-clone/persistence/destinations.ts';
import { runnerLeaseName } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { people, realize, sorted } from './runner-world';
import { recordingInvoker, useRunnerWorlds } from './runner-setup';

const LIST = 4001;
const MISSING_LIST = 4999;

/**
 * Errors, quota, time and the lease. Each scenario runs once in a world of
 * its own and records what each step left behind; each test reads one
 * behaviour from it.
 */
describe('push clone runner: errors, quota, time and the lease', () => {
  const worlds = useRunnerWorlds('runner-errors', { id: LIST, name: 'errors list' });

  describe('a destination whose list is gone', () => {
    const known = people('known', 6);
    const fine = people('fine', 5);
    /**
     * Two destinations on one instance, both with people delivered: one mapped
     * to a list Marketo does not have, one healthy. A run; then the admin fixes
     * the mapping and saves; another run.
     */
    const scenario = worlds.scenario(async (world) => {
      const broken = await world.destination({ mode: 'matchExistingOnly', audiences: [world.audience('gone', MISSING_LIST)] });
      const healthy = await world.destination({ mode: 'createMissing', audiences: [world.audience('fine')] });
      for (const email of known) world.sandbox.addLead({ email });
      await world.deliver(broken, realize('gone', known));
      await world.deliver(healthy, realize('fine', fine));
      let summaries: Awaited<ReturnType<typeof world.runUntilDone>> = [];
      const found = await world.observe(async () => (summaries = await world.runUntilDone()));
      const stopped = destinationSchema.parse(await readDestination(world.store, broken.destinationId));
      const audienceStats = await world.store.get(keys.stats(broken.destinationId, 'gone'));
      // The admin fixes the mapping and saves.
      await writeDestinationSetup(world.store, { ...stopped, audiences: [world.audience('gone')] }, stopped);
      const fixed = await world.observe(() => world.runUntilDone());
      return { broken, summaries, found, stopped, audienceStats, fixed };
    });

    it('is stopped', () => {
      expect(scenario().summaries[0]?.stoppedDestinations).toEqual([scenario().broken.destinationId]);
      expect(scenario().stopped.state).toBe('stopped');
    });

    it('tells the admin which list is missing in which instance, on the destination as on its audience', () => {
      expect(scenario().stopped.stoppedReason).toContain(`list ${MISSING_LIST} was not found in instance ${scenario().world.munchkinId}: check the mapping ID`);
      expect(scenario().audienceStats).toMatchObject({ lastError: scenario().stopped.stoppedReason });
    });

    it('keeps its people pending', () => {
      expect(scenario().found.pending).toBe(6);
    });

    it('does not hold back the instance\'s other destinations', () => {
      expect(scenario().found.list).toEqual(sorted(fine));
    });

    it('once its mapping is fixed, adds the waiting people with one list call, by the lead IDs already found', () => {
      expect(scenario().fixed.calls.byKind).toEqual({ addToList: 1 });
    });

    it('once its mapping is fixed, puts its people in the list with the other destination\'s', () => {
      expect(scenario().fixed.list).toEqual(sorted([...known, ...fine]));
    });
  });

  describe('607: the day\'s quota is spent', () => {
    const everyone = people('quota', 8);
    /**
     * Others used all of the day's calls but one; 8 people delivered. A run
     * meets 607; then a dispatcher tick and a run while parked; then a run
     * after the reset. The sandbox counts the day on the world's clock.
     */
    const scenario = worlds.scenario(
      async (world) => {
        const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('quota')] });
        world.sandbox.spendDailyQuota(999);
        await world.deliver(destination, realize('quota', everyone));
        let metSummary: unknown;
        const met = await world.observe(async () => (metSummary = await world.run()));
        const resumeAt = new Date(nextCentralMidnight(world.clock.now())).toISOString();
        const park = await world.store.get(keys.park(world.munchkinId));
        const dispatched = (await dispatch({ store: world.store, clock: world.clock, invoker: recordingInvoker().invoker }, 'push-clone-runner')).find(
          (result) => result.munchkinId === world.munchkinId,
        );
        let parkedSummary: unknown;
        const parked = await world.observe(async () => (parkedSummary = await world.run()));
        world.clock.set(Date.parse(resumeAt) + 1_000);
        const resumed = await world.observe(() => world.runUntilDone());
        return { met, metSummary, resumeAt, park, dispatched, parked, parkedSummary, resumed };
      },
      { clocked: true, sandbox: { dailyQuota: 1_000 } },
    );

    it('ends the tick, keeping the work marker', () => {
      expect(scenario().metSummary).toMatchObject({ stoppedBy: 'daily_quota', marker: 'kept' });
    });

    it('parks the instance until midnight US Central', () => {
      expect(scenario().park).toMatchObject({ resumeAt: scenario().resumeAt });
    });

    it('adds nobody to the list', () => {
      expect(scenario().met.list).toEqual([]);
    });

    it('has the dispatcher skip the parked instance until the reset', () => {
      expect(scenario().dispatched).toMatchObject({ action: 'skipped', reason: 'parked', until: scenario().resumeAt });
    });

    it('stops a runner started while parked without a Marketo call', () => {
      expect(scenario().parkedSummary).toMatchObject({ stoppedBy: 'parked', marketoCalls: 0 });
      expect(scenario().parked.calls.total).toBe(0);
    });

    it('finishes the push after the reset, creating nobody twice', () => {
      expect(scenario().resumed.list).toEqual(sorted(everyone));
      expect(scenario().resumed.duplicateEmails).toEqual([]);
    });
  });

  describe('Marketo keeps failing (503)', () => {
    const everyone = people('flaky', 7);
    /** 7 people delivered; the first call (the token) fails five times, so the client gives up after 4 retries. A run; then the next tick. */
    const scenario = worlds.scenario(async (world) => {
      const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('flaky')] });
      await world.deliver(destination, realize('flaky', everyone));
      world.sandbox.server.failNext('503', '503', '503', '503', '503');
      let failedSummary: unknown;
      const failed = await world.observe(async () => (failedSummary = await world.run()));
      const audienceStats = await world.store.get(keys.stats(destination.destinationId, 'flaky'));
      const next = await world.observe(() => world.runUntilDone());
      return { failed, failedSummary, audienceStats, next };
    });

    it('ends the tick as unavailable, keeping the work marker', () => {
      expect(scenario().failedSummary).toMatchObject({ stoppedBy: 'unavailable', marker: 'kept' });
    });

    it('records the error on the audience', () => {
      expect(scenario().audienceStats).toMatchObject({ lastError: expect.stringContaining('kept failing') });
    });

    it('keeps the people pending', () => {
      expect(scenario().failed.pending).toBe(7);
    });

    it('pushes them on the next tick', () => {
      expect(scenario().next.list).toEqual(sorted(everyone));
    });
  });

  describe('time runs short', () => {
    const everyone = people('timed', 30);
    /** 30 people delivered; a run with time for ingest and two batches of 10, then less than the margin; then runs until done. */
    const scenario = worlds.scenario(async (world) => {
      const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('timed')] });
      await world.deliver(destination, realize('timed', everyone));
      let checks = 0;
      let cut: Awaited<ReturnType<typeof world.run>> | undefined;
      const whole = await world.observe(async () => {
        cut = await world.run({ batchSize: 10, remainingTimeMs: () => (checks++ < 3 ? 600_000 : 1_000) });
        await world.runUntilDone({ batchSize: 10 });
      });
      if (!cut) throw new Error('the first run did not end');
      return { cut, whole };
    });

    it('stops before a batch, with part of the work done', () => {
      expect(scenario().cut).toMatchObject({ stoppedBy: 'out_of_time', marker: 'kept' });
      expect(scenario().cut.outcomes.added).toBeGreaterThan(0);
      expect(scenario().cut.outcomes.added).toBeLessThan(30);
    });

    it('lets the next run carry on without repeating a call: 3 upserts, 3 adds in all, for 30 people in batches of 10', () => {
      expect(scenario().whole.calls.byKind).toEqual({ syncLeads: 3, addToList: 3 });
    });

    it('lets the next run finish the list', () => {
      expect(scenario().whole.list).toEqual(sorted(everyone));
    });
  });

  describe('the runner lease', () => {
    const everyone = people('leased', 25);
    const late = people('late', 3);
    /**
     * 25 people delivered; two runners started together. Then a runner dies
     * holding the lease and 3 more people are delivered: a run while the lease
     * holds, and one after it lapsed.
     */
    const scenario = worlds.scenario(async (world) => {
      const destination = await world.destination({ mode: 'createMissing', audiences: [world.audience('leased')] });
      await world.deliver(destination, realize('leased', everyone));
      let pair: Array<Awaited<ReturnType<typeof world.run>>> = [];
      const together = await world.observe(async () => (pair = await Promise.all([world.run({ batchSize: 5 }), world.run({ batchSize: 5 })])));
      const deadLease = await new LeaseLock(world.store, world.clock).acquire(runnerLeaseName(world.munchkinId), 'a runner that died', 90_000);
      await world.deliver(destination, realize('leased', late));
      const whileHeld = await world.run();
      world.clock.advance(90_001);
      let afterLapse: unknown;
      const takenOver = await world.observe(async () => (afterLapse = await world.run()));
      return { pair, together, deadLease, whileHeld, afterLapse, takenOver };
    });

    it('lets one of two runners started together work while the other finds the lease busy', () => {
      expect(scenario().pair.map((summary) => summary.stoppedBy).sort()).toEqual(['done', 'lease_busy']);
    });

    it('spends nothing (no call, no batch) in the runner that finds the lease busy', () => {
      expect(scenario().pair.find((summary) => summary.stoppedBy === 'lease_busy')).toMatchObject({ marketoCalls: 0, batches: 0 });
    });

    it('pushes everyone once when two runners start together', () => {
      expect(scenario().together.list).toEqual(sorted(everyone));
      expect(scenario().together.leads).toBe(25);
    });

    it('keeps the next runner out while a dead runner\'s lease has not lapsed', () => {
      expect(scenario().deadLease).toBeDefined();
      expect(scenario().whileHeld).toMatchObject({ stoppedBy: 'lease_busy' });
    });

    it('takes over a dead runner\'s lease once it lapses', () => {
      expect(scenario().afterLapse).toMatchObject({ stoppedBy: 'done' });
      expect(scenario().takenOver.list).toEqual(sorted([...everyone, ...late]));
    });
  });
});
