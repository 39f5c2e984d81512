import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import type { Store } from '#shared/store/index.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { callsUntilDone, deliver, exit, listEmails, people, realize, saveDestination, sorted, startInstance, type Instance } from './runner-world';

/**
 * docs/targets.md's call targets, counted by the sandbox (the calls Marketo would
 * bill), for both person-creation modes:
 * - first push of N new people: <= 2 x ceil(N/300) REST calls, plus token calls;
 * - exits of people we pushed: <= ceil(N/300), no lookup;
 * - AEP re-sending people already in the list: 0.
 */
const LIST = 7001;
const cases = [
  { mode: 'createMissing' as const, n: 1 },
  { mode: 'createMissing' as const, n: 301 },
  { mode: 'matchExistingOnly' as const, n: 1 },
  { mode: 'matchExistingOnly' as const, n: 301 },
];

describe('push clone: Marketo calls against the docs/targets.md bounds', () => {
  let store: Store;
  const clock = new ManualClock(Date.now());
  const instances: Instance[] = [];
  beforeAll(async () => {
    store = await freshStore('calls-bounds');
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.sandbox.stop()));
  });

  it.each(cases)('$mode, N = $n: first push, re-send, exit', async ({ mode, n }) => {
    const instance = await startInstance({ budget: { callsPerWindow: 10, windowMs: 500, maxConcurrent: 5 } });
    instances.push(instance);
    const { munchkinId, sandbox, client } = instance;
    sandbox.addList('bounds list', LIST);
    const everyone = people(`${mode.toLowerCase()}-${n}`, n);
    if (mode === 'matchExistingOnly') for (const email of everyone) sandbox.addLead({ email });
    const destination = await saveDestination(store, { munchkinId, mode, audiences: [{ audienceId: 'b', listId: LIST, startDate: new Date(clock.now() - 60_000).toISOString() }] }, clock);
    const ports = { store, clock, marketo: client };
    const perCall = Math.ceil(n / 300);

    await deliver(store, clock, destination, realize('b', everyone));
    const firstPush = await callsUntilDone(ports, munchkinId, sandbox);
    expect(firstPush.total).toBeLessThanOrEqual(2 * perCall);
    expect(firstPush.identity).toBeLessThanOrEqual(1);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));

    await deliver(store, clock, destination, realize('b', everyone));
    expect((await callsUntilDone(ports, munchkinId, sandbox)).total).toBe(0);

    await deliver(store, clock, destination, exit('b', everyone));
    const exits = await callsUntilDone(ports, munchkinId, sandbox);
    expect(exits.total).toBeLessThanOrEqual(perCall);
    expect(exits.byKind).toEqual({ removeFromList: perCall });
    expect(listEmails(sandbox, LIST)).toEqual([]);
    expect(sandbox.duplicateEmails()).toEqual([]);
    expect(sandbox.stats().realRateLimitErrors).toBe(0);
  });
});
