import { describe, expect, it } from 'vitest';
import { MARKETO_FAULT_KINDS } from '#local/sandboxes/marketo/index.ts';
import { deliver, exit, listEmails, pendingCount, people, realize, runUntilDone, sorted } from './runner-world';
import { useRunnerWorlds } from './runner-setup';

/**
 * docs/targets.md "Vendor faults": with the Marketo sandbox answering 10% of calls
 * (token calls included) with 601/602/606/615/5xx or never answering, push
 * clone still converges to the exact lists, creates nobody twice, and never
 * draws a real 606/615 from the instance's limits.
 */
const FAULTS = ['601', '602', '606', '615', '500', '502', '503', 'timeout'];
const [CREATE_LIST, MATCH_LIST] = [6001, 6002];

describe('push clone under vendor faults', () => {
  // The sandbox enforces 10 calls per 500 ms; the client's budget is the same share, so only injected throttles can happen.
  const worlds = useRunnerWorlds('faults-vendor', { id: CREATE_LIST, name: 'create list' }, { budget: { callsPerWindow: 10, windowMs: 500, maxConcurrent: 5 }, client: { timeoutMs: 300 } });

  it.each([{ seed: 7 }, { seed: 2026 }])('converges exactly with a tenth of calls faulted (seed $seed) and zero real rate-limit errors', async ({ seed }) => {
    expect(FAULTS.every((kind) => (MARKETO_FAULT_KINDS as readonly string[]).includes(kind))).toBe(true);
    const world = await worlds.fresh();
    const { munchkinId, sandbox, client, clock, store } = world;
    sandbox.addList('match list', MATCH_LIST);
    const known = people('known', 20);
    for (const email of known) sandbox.addLead({ email });
    const create = await world.destination({ mode: 'createMissing', audiences: [world.audience('c', CREATE_LIST)] });
    const match = await world.destination({ mode: 'matchExistingOnly', audiences: [world.audience('m', MATCH_LIST)] });
    sandbox.server.setFaults({ rate: 0.1, kinds: FAULTS, seed });
    const ports = { store, clock, marketo: client };
    const options = { batchSize: 3 }; // small batches: many calls, so many faults

    const newcomers = people(`new-${seed}`, 60);
    await deliver(store, clock, create, realize('c', newcomers));
    await deliver(store, clock, match, realize('m', [...known, ...people('stranger', 5)]));
    const first = await runUntilDone(ports, munchkinId, options);
    await deliver(store, clock, create, [...exit('c', newcomers.slice(0, 20)), ...realize('c', people(`new-${seed}`, 5, 100))]);
    await deliver(store, clock, match, exit('m', known.slice(0, 8)));
    const second = await runUntilDone(ports, munchkinId, options);
    await deliver(store, clock, create, realize('c', newcomers.slice(0, 10)));
    const third = await runUntilDone(ports, munchkinId, options);

    expect(listEmails(sandbox, CREATE_LIST)).toEqual(sorted([...newcomers.slice(0, 10), ...newcomers.slice(20), ...people(`new-${seed}`, 5, 100)]));
    expect(listEmails(sandbox, MATCH_LIST)).toEqual(sorted(known.slice(8)));
    expect(sandbox.duplicateEmails()).toEqual([]);
    expect(sandbox.leads()).toHaveLength(20 + 60 + 5);
    expect(await pendingCount(store, munchkinId)).toBe(0);
    const stats = sandbox.stats();
    expect(stats.injectedFaults).toBeGreaterThanOrEqual(5);
    expect(stats.realRateLimitErrors).toBe(0);
    const runs = [...first, ...second, ...third];
    console.log(`seed ${seed}: ${stats.injectedFaults} injected faults over ${runs.length} runs (${runs.map((run) => run.stoppedBy).join(', ')})`);
  }, 60_000);
});
