import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import { LeaseLock, LeaseLostError, type Store } from '#shared/store/index.ts';
import { freshStore } from '#test/support/dynamo.ts';

describe('LeaseLock on DynamoDB Local', () => {
  let store: Store;
  beforeAll(async () => {
    store = await freshStore('lease');
  });

  it('lets exactly one of many contenders win a free lease', async () => {
    const clock = new ManualClock();
    const lock = new LeaseLock(store, clock);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => lock.acquire('contended', `worker-${i}`, 30_000)));
    const winners = results.filter((lease) => lease !== undefined);
    expect(winners).toHaveLength(1);
  });

  it('refuses a live lease to a second holder and hands an expired one over', async () => {
    const clock = new ManualClock();
    const lock = new LeaseLock(store, clock);
    const first = await lock.acquire('expiring', 'a', 10_000);
    expect(first?.owner).toBe('a');
    expect(await lock.acquire('expiring', 'b', 10_000)).toBeUndefined();
    clock.advance(10_001);
    const second = await lock.acquire('expiring', 'b', 10_000);
    expect(second?.owner).toBe('b');
    expect(second!.version).toBeGreaterThan(first!.version);
  });

  it('does not let a holder whose lease was taken over renew or release it', async () => {
    const clock = new ManualClock();
    const lock = new LeaseLock(store, clock);
    const stale = await lock.acquire('taken', 'a', 1_000);
    clock.advance(1_001);
    const fresh = await lock.acquire('taken', 'b', 60_000);
    await expect(lock.renew(stale!, 60_000)).rejects.toBeInstanceOf(LeaseLostError);
    await lock.release(stale!);
    expect(await lock.acquire('taken', 'c', 1_000)).toBeUndefined();
    const renewed = await lock.renew(fresh!, 60_000);
    // The version is the holder's fencing token: a renewal keeps it.
    expect(renewed.version).toBe(fresh!.version);
    expect(renewed.expiresAtMs).toBe(clock.now() + 60_000);
  });

  it('frees the lease on release so the next contender gets it at once', async () => {
    const clock = new ManualClock();
    const lock = new LeaseLock(store, clock);
    const lease = await lock.acquire('released', 'a', 60_000);
    await lock.release(lease!);
    expect((await lock.acquire('released', 'b', 60_000))?.owner).toBe('b');
  });

  it('refuses to renew a lease that expired even when nobody took it', async () => {
    const clock = new ManualClock();
    const lock = new LeaseLock(store, clock);
    const lease = await lock.acquire('lapsed', 'a', 1_000);
    clock.advance(2_000);
    await expect(lock.renew(lease!, 1_000)).rejects.toBeInstanceOf(LeaseLostError);
  });
});
