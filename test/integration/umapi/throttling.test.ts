import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoProfiles } from '#local/sandboxes/umapi/index.ts';
import { UmapiCallBudget, UmapiThrottledError, UmapiUnavailableError } from '#shared/umapi/index.ts';
import { collect, startUmapi, type UmapiWorld } from './world';

/** A budget that lets everything through, as a client that leaves throttling to UMAPI would. */
function unlimited(world: UmapiWorld): UmapiCallBudget {
  return new UmapiCallBudget(() => world.clock.now(), { groupsPerMinute: 1_000, usersPerMinute: 1_000, windowMs: 60_000 });
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('UMAPI throttling and retries', () => {
  let world: UmapiWorld;
  beforeEach(async () => {
    // One group per page: the 8 demo groups take 8 calls, more than the 5 a minute allowed.
    world = await startUmapi({ pageSize: { groups: 1, users: 200 } });
  });
  afterEach(async () => {
    await world.stop();
  });

  it('turns a long Retry-After in seconds into UmapiThrottledError with retryAt, without sleeping', async () => {
    world.umapi.server.failNext('429-long');
    const error = await thrown(world.client().user('plain.member@example.com'));
    expect(error).toBeInstanceOf(UmapiThrottledError);
    expect(error).toMatchObject({ retryAt: world.clock.now() + 3_600_000, selfImposed: false });
    expect(world.sleeps).toEqual([]);
    expect(world.umapi.stats()).toMatchObject({ realThrottles: 0, injectedThrottles: 1 });
  });

  it('reads Retry-After as an HTTP-date too', async () => {
    world.umapi.setRetryAfterFormat('http-date');
    world.umapi.server.failNext('429');
    const error = await thrown(world.client().user('plain.member@example.com'));
    expect(error).toMatchObject({ name: 'UmapiThrottledError', retryAt: world.clock.now() + 30_000 });
  });

  it('gets a real 429 when the client does not keep to the per-client limit, with a cursor to resume from', async () => {
    const pager = world.client({ budget: unlimited(world) }).groups();
    const seen: string[] = [];
    const error = await thrown((async () => {
      for await (const page of pager) seen.push(...page.items.map((group) => group.groupName));
    })());
    expect(error).toBeInstanceOf(UmapiThrottledError);
    expect(error).toMatchObject({ page: 5, selfImposed: false, retryAt: world.clock.now() + 60_000 });
    expect(seen).toHaveLength(5);
    expect(pager.cursor).toBe(5);
    expect(world.umapi.stats().realThrottles).toBe(1);

    world.clock.set((error as UmapiThrottledError).retryAt);
    const rest = await collect(world.client({ budget: unlimited(world) }).groups({ fromPage: pager.cursor }));
    expect([...seen, ...rest.map((group) => group.groupName)]).toHaveLength(8);
  });

  it('causes zero 429s itself: the budget waits for room in the window', async () => {
    const groups = await collect(world.client().groups());
    expect(groups).toHaveLength(8);
    expect(world.umapi.stats()).toEqual({ calls: 8, realThrottles: 0, injectedThrottles: 0 });
    expect(world.sleeps.length).toBeGreaterThan(0);
    expect(world.sleeps.reduce((total, ms) => total + ms, 0)).toBeGreaterThanOrEqual(60_000);
  });

  it('stops with a self-imposed UmapiThrottledError instead of sleeping past the deadline, then resumes', async () => {
    const deadline = world.clock.now() + 10_000;
    const pager = world.client({ deadline: () => deadline }).groups();
    const error = await thrown(collect(pager));
    expect(error).toBeInstanceOf(UmapiThrottledError);
    expect(error).toMatchObject({ selfImposed: true, page: 5 });
    expect((error as UmapiThrottledError).retryAt).toBeGreaterThan(deadline);
    expect(world.sleeps).toEqual([]);
    expect(world.umapi.stats()).toEqual({ calls: 5, realThrottles: 0, injectedThrottles: 0 });

    world.clock.set((error as UmapiThrottledError).retryAt);
    const rest = await collect(world.client().groups({ fromPage: pager.cursor }));
    expect(rest).toHaveLength(3);
    expect(world.umapi.stats().realThrottles).toBe(0);
  });

  it('enforces the global limit across calls of every kind', async () => {
    await world.stop();
    world = await startUmapi({ limits: { globalPerWindow: 3 } });
    const client = world.client({ budget: unlimited(world) });
    for (let index = 0; index < 3; index += 1) await client.user('plain.member@example.com');
    await expect(collect(client.usersInGroup(demoProfiles.analyst))).rejects.toBeInstanceOf(UmapiThrottledError);
    expect(world.umapi.stats().realThrottles).toBe(1);
  });

  it('retries 502/503/504 with growing backoff and succeeds', async () => {
    world.umapi.server.failNext('502', '503', '504');
    expect(await world.client().user('plain.member@example.com')).toMatchObject({ email: 'plain.member@example.com' });
    expect(world.sleeps).toHaveLength(3);
    expect(world.sleeps[1]).toBeGreaterThan(world.sleeps[0] ?? 0);
    expect(world.sleeps[2]).toBeGreaterThan(world.sleeps[1] ?? 0);
  });

  it('gives up with UmapiUnavailableError after its attempts, or at a hang past the timeout', async () => {
    world.umapi.server.failNext('503', '503', '503', '503');
    const error = await thrown(world.client().user('plain.member@example.com'));
    expect(error).toBeInstanceOf(UmapiUnavailableError);
    expect(error).toMatchObject({ httpStatus: 503 });
    expect(world.umapi.stats().calls).toBe(4);

    world.umapi.server.failNext('timeout');
    const hung = await thrown(world.client({ timeoutMs: 200, maxAttempts: 1 }).user('plain.member@example.com'));
    expect(hung).toBeInstanceOf(UmapiUnavailableError);
  });
});
