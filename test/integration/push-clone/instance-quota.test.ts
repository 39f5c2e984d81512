import { describe, expect, it } from 'vitest';
import { destinationStatus } from '#functions/push-clone/core/outcomes/destination-status.ts';
import { keys } from '#functions/push-clone/core/model.ts';
import { runInstanceTick, type RunnerOptions } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { deliver, listEmails, people, realize, sorted } from './runner-world';
import { useRunnerWorlds } from './runner-setup';

/**
 * The instance's whole daily quota: Marketo counts every API user's calls
 * together, so the runner reads Marketo's usage (Get Daily Usage) and spends
 * only what is left above the floor kept for the customer's other
 * integrations, then parks the instance until the quota resets, without a
 * single 607. The status shows the day's calls, ours and the others'.
 */
const LIST = 6001;
const QUOTA = 2_000;
const FLOOR = 500;

describe('push clone: the instance\'s daily quota is shared', () => {
  const worlds = useRunnerWorlds('instance-quota', { id: LIST, name: 'quota list' }, { start: Date.parse('2026-05-04T15:00:00Z'), clocked: 'sandbox', sandbox: { dailyQuota: QUOTA } });

  async function world() {
    const fresh = await worlds.fresh();
    const destination = await fresh.destination({ mode: 'createMissing', audiences: [fresh.audience('q')] });
    const { store, clock } = fresh;
    return { instance: fresh, destination, store, clock };
  }
  const options = (recheckEvery: number): RunnerOptions => ({ remainingTimeMs: () => 600_000, leaseOwner: `runner-${Math.random()}`, batchSize: 10, bulk: false, quota: { dailyQuota: QUOTA, floor: FLOOR, recheckEvery } });

  it('spends only what others left above the floor, then parks the instance until the quota resets, with no 607', async () => {
    const { instance, destination, store, clock } = await world();
    const { munchkinId, sandbox } = instance;
    // Another integration has used all but 30 calls above the floor: 30 - 1 reading - 10 margin leaves room for 19 of ours.
    sandbox.spendDailyQuota(QUOTA - FLOOR - 30, 'crm.sync@example.com');
    const everyone = people('quota', 200);
    await deliver(store, clock, destination, realize('q', everyone));
    const summary = await runInstanceTick({ store, clock, marketo: instance.client }, munchkinId, options(5));
    expect(summary.stoppedBy).toBe('daily_quota');
    expect(summary.lastError).toContain('MARKETO_DAILY_FLOOR');
    const stats = sandbox.stats();
    // The floor is untouched and Marketo never had to refuse us.
    expect(stats.dailyCalls).toBeLessThanOrEqual(QUOTA - FLOOR);
    expect(stats.dailyQuotaRejections).toBe(0);
    expect(summary.outcomes.added).toBeGreaterThan(0);
    expect(listEmails(sandbox, LIST).length).toBe(summary.outcomes.added);
    const park = await store.get(keys.park(munchkinId));
    expect(park?.resumeAt).toBe('2026-05-05T05:00:00.000Z');

    // The status shows the day as Marketo counted it: ours and the others'.
    const status = await destinationStatus({ store, clock }, destination);
    expect(status.marketoUsageToday).toMatchObject({ day: '2026-05-04', ours: status.marketoCallsToday.calls });
    expect(status.marketoUsageToday!.others).toBeGreaterThanOrEqual(QUOTA - FLOOR - 30);
    expect(status.marketoUsageToday!.total).toBe(status.marketoUsageToday!.others + status.marketoUsageToday!.ours);
  });

  it('pushes everything when the others leave enough, reading usage once per run and again every few hundred calls', async () => {
    const { instance, destination, store, clock } = await world();
    const everyone = people('plenty', 40);
    await deliver(store, clock, destination, realize('q', everyone));
    const summary = await runInstanceTick({ store, clock, marketo: instance.client }, instance.munchkinId, options(500));
    expect(summary.stoppedBy).toBe('done');
    expect(instance.sandbox.stats().callsByKind.usage).toBe(1);
    expect(listEmails(instance.sandbox, LIST)).toEqual(sorted(everyone));
  });

  it('parks at once, before any list call, when the others have reached the floor', async () => {
    const { instance, destination, store, clock } = await world();
    instance.sandbox.spendDailyQuota(QUOTA - FLOOR, 'crm.sync@example.com');
    await deliver(store, clock, destination, realize('q', people('none', 5)));
    const summary = await runInstanceTick({ store, clock, marketo: instance.client }, instance.munchkinId, options(500));
    expect(summary).toMatchObject({ stoppedBy: 'daily_quota', batches: 0 });
    expect(instance.sandbox.stats().callsByKind).toMatchObject({ usage: 1, syncLeads: 0, addToList: 0 });
  });
});
