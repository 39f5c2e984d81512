import { describe, expect, it } from 'vitest';
import { exit, people, realize, sorted } from './runner-world';
import { useRunnerWorlds } from './runner-setup';

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
  const worlds = useRunnerWorlds('calls-bounds', { id: LIST, name: 'bounds list' }, { budget: { callsPerWindow: 10, windowMs: 500, maxConcurrent: 5 } });

  it.each(cases)('$mode, N = $n: first push, re-send, exit', async ({ mode, n }) => {
    const world = await worlds.fresh();
    const { sandbox } = world;
    const everyone = people(`${mode.toLowerCase()}-${n}`, n);
    if (mode === 'matchExistingOnly') for (const email of everyone) sandbox.addLead({ email });
    const destination = await world.destination({ mode, audiences: [world.audience('b')] });
    const perCall = Math.ceil(n / 300);

    await world.deliver(destination, realize('b', everyone));
    const firstPush = await world.callsUntilDone();
    expect(firstPush.total).toBeLessThanOrEqual(2 * perCall);
    expect(firstPush.identity).toBeLessThanOrEqual(1);
    expect(world.listEmails()).toEqual(sorted(everyone));

    await world.deliver(destination, realize('b', everyone));
    expect((await world.callsUntilDone()).total).toBe(0);

    await world.deliver(destination, exit('b', everyone));
    const exits = await world.callsUntilDone();
    expect(exits.total).toBeLessThanOrEqual(perCall);
    expect(exits.byKind).toEqual({ removeFromList: perCall });
    expect(world.listEmails()).toEqual([]);
    expect(sandbox.duplicateEmails()).toEqual([]);
    expect(sandbox.stats().realRateLimitErrors).toBe(0);
  });
});
