import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { readLinks } from '#functions/campaign/core/history.ts';
import { readCursorHead } from '#functions/campaign/core/cursor.ts';
import { syncDueAccounts, FULL_SYNC_EVERY_MS } from '#functions/campaign/core/schedule.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { ACCOUNT, comparable, startCampaignWorld, type CampaignWorld } from './world';

/**
 * One user per page, so the analyst profile takes three users calls. The
 * fewest calls the paging allows: 1 groups page (8 groups), 1 page for admin
 * (1 member), 3 pages for analyst (3 members); deliverability has no operator
 * group, so its users are never asked for.
 */
const MINIMUM_CALLS = 1 + 1 + 3;

describe('Campaign sync paging, 429 with a long Retry-After, and resuming', () => {
  let world: CampaignWorld;
  beforeAll(async () => {
    world = await startCampaignWorld('campaign-resume', { pageSize: { groups: 200, users: 1 } });
  });
  afterAll(async () => {
    await world.stop();
  });

  it('makes exactly the calls the paging needs, none of them throttled', async () => {
    const store = await freshStore('campaign-calls');
    await world.setUp({ store });
    const before = world.umapi.stats();
    const result = await world.sync({ store });
    expect(result.status).toBe('completed');
    const after = world.umapi.stats();
    expect(after.calls - before.calls).toBe(MINIMUM_CALLS);
    expect(after.realThrottles).toBe(0);
  });

  it('saves its cursor on a 429 mid-paging, waits out Retry-After, and resumes to the same result as an undisturbed run', async () => {
    const undisturbedStore = await freshStore('campaign-undisturbed');
    await world.setUp({ store: undisturbedStore });
    world.clock.advance(120_000);
    const undisturbed = await world.sync({ store: undisturbedStore });
    if (undisturbed.status !== 'completed') throw new Error('the undisturbed run did not complete');

    const store = await freshStore('campaign-disturbed');
    await world.setUp({ store });
    world.clock.advance(120_000);
    // Let the groups page and the first two users pages through, then answer 429 with Retry-After: 3600.
    let answered = 0;
    world.umapi.server.around = async (_request, next) => {
      const response = await next();
      answered += 1;
      if (answered === 3) world.umapi.server.failNext('429-long');
      return response;
    };
    const callsBefore = world.umapi.stats().calls;
    const paused = await world.sync({ store });
    world.umapi.server.around = undefined;
    expect(paused).toMatchObject({ status: 'resumable', reason: 'throttled', resumeAt: new Date(world.clock.now() + 3_600_000).toISOString() });
    expect(await readCursorHead(store, ACCOUNT)).toMatchObject({ resumeAt: world.clock.now() + 3_600_000 });
    expect(await readLinks(store, ACCOUNT)).toEqual([]);

    // Before resumeAt the run makes no call at all.
    const early = await world.sync({ store });
    expect(early).toMatchObject({ status: 'resumable', reason: 'throttled' });
    expect(world.umapi.stats().calls - callsBefore).toBe(4);

    world.clock.advance(3_600_000);
    const resumed = await world.sync({ store });
    if (resumed.status !== 'completed') throw new Error(`the resumed run did not complete: ${JSON.stringify(resumed)}`);
    expect(comparable(resumed.changeSet)).toEqual(comparable(undisturbed.changeSet));
    expect(await readLinks(store, ACCOUNT)).toEqual(await readLinks(undisturbedStore, ACCOUNT));
    // Nothing fetched twice: the 3 calls before the 429, the 429 itself, and the 2 pages left.
    expect(world.umapi.stats().calls - callsBefore).toBe(MINIMUM_CALLS + 1);
    expect(world.umapi.stats()).toMatchObject({ realThrottles: 0, injectedThrottles: 1 });
    expect(await readCursorHead(store, ACCOUNT)).toBeUndefined();
    expect(await world.ports(store).publisher.events()).toHaveLength(1);
  });

  it('stops before the Lambda time runs out and resumes on the next tick', async () => {
    const store = await freshStore('campaign-deadline');
    await world.setUp({ store });
    world.clock.advance(120_000);
    // Each answer costs 4 s of the function's time; 10 s are kept back to save the cursor.
    world.umapi.server.around = async (_request, next) => {
      world.clock.advance(4_000);
      return next();
    };
    try {
      const paused = await world.sync({ store, remainingTimeMs: 20_000 });
      expect(paused).toMatchObject({ status: 'resumable', reason: 'out_of_time' });
      const ticks = await syncDueAccounts(world.ports(store), () => 600_000);
      expect(ticks).toMatchObject([{ account: ACCOUNT, result: { status: 'completed', changeSet: { outcome: 'applied' } } }]);
    } finally {
      world.umapi.server.around = undefined;
    }
    expect((await readLinks(store, ACCOUNT)).map((link) => link.operatorGroup)).toEqual(['admin', 'analyst']);
  });

  it('runs a full sync from the schedule at most every two hours', async () => {
    const store = await freshStore('campaign-schedule');
    await world.setUp({ store });
    world.clock.advance(120_000);
    expect(await syncDueAccounts(world.ports(store), () => 600_000)).toMatchObject([{ result: { status: 'completed' } }]);
    const calls = world.umapi.stats().calls;
    world.clock.advance(FULL_SYNC_EVERY_MS - 60_000);
    expect(await syncDueAccounts(world.ports(store), () => 600_000)).toEqual([{ account: ACCOUNT, stale: false, result: { status: 'not_due' } }]);
    expect(world.umapi.stats().calls).toBe(calls);
    world.clock.advance(60_000);
    world.umapi.addUser(demo.org.id, { email: 'late.joiner@example.com', groups: ['Campaign - demo_tenant - admin'] });
    const due = await syncDueAccounts(world.ports(store), () => 600_000);
    // late.joiner has no operator in Campaign yet, like unverified.user: both are reported (and tried) again.
    expect(due).toMatchObject([{ result: { status: 'completed', changeSet: { usersAdded: [{ operatorGroup: 'admin', emails: ['late.joiner@example.com'] }, { operatorGroup: 'analyst', emails: [demo.imsUsers.unverified.email] }] } } }]);
  });

  it('counts an account as stale once no sync has completed for two ticks past its due time', async () => {
    const store = await freshStore('campaign-stale');
    await world.setUp({ store });
    world.clock.advance(120_000);
    expect(await syncDueAccounts(world.ports(store), () => 600_000)).toMatchObject([{ stale: false, result: { status: 'completed' } }]);
    // From now on every sync fails (UMAPI down): the account is due, tried, and not synced.
    world.umapi.server.around = async () => ({ status: 503, body: 'down' });
    try {
      world.clock.advance(FULL_SYNC_EVERY_MS + 2 * 15 * 60_000 - 60_000);
      expect(await syncDueAccounts(world.ports(store), () => 600_000)).toMatchObject([{ stale: false, result: { status: 'failed' } }]);
      // The failed start is not retried before its two hours are up, but the account is now stale.
      world.clock.advance(120_000);
      expect(await syncDueAccounts(world.ports(store), () => 600_000)).toMatchObject([{ stale: true, result: { status: 'not_due' } }]);
    } finally {
      world.umapi.server.around = undefined;
    }
    // The next full sync that completes ends it.
    world.clock.advance(FULL_SYNC_EVERY_MS);
    expect(await syncDueAccounts(world.ports(store), () => 600_000)).toMatchObject([{ stale: false, result: { status: 'completed' } }]);
  });
});
