import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import { parseConfig } from '#shared/config/index.ts';
import type { Store } from '#shared/store/index.ts';
import { KEY_SHARDS, membershipSchema, keys } from '#functions/push-clone/core/model.ts';
import { runInstanceTick } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { destinationStatus } from '#functions/push-clone/core/outcomes/destination-status.ts';
import { forEachLimit } from '#shared/collections.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { requireKeyLayout } from '#functions/push-clone/persistence/key-layout.ts';
import { clientOf, Process, SimulatedCrash, storeOf, type CrashPlan } from './crash-support';
import { deliver, exit, listEmails, pendingCount, people, realize, saveDestination, sorted, startInstance, type Instance } from './runner-world';

/**
 * docs/targets.md "Crash anywhere": a push-clone run killed between any two Marketo
 * calls or DynamoDB writes, then run again, leaves every list exactly as its
 * audience says, no person lost, no lead created twice. One scenario (two
 * destinations, both modes, three lists, overlapping people, exits and
 * re-entries) is run once cleanly to count its steps, then once per crash
 * point: the process dies at that step (its effect applied or not), its lease
 * is left behind, and a fresh runner takes over after the lease lapses.
 *
 * The status counters are checked too: whichever write the runner dies
 * between, each audience's added/removed/skipped equal the changes its list
 * really went through (and added - removed equals the list's size).
 */
const [L1, L2, L3] = [5001, 5002, 5003];
const p = (from: number, count: number) => people('p', count, from);
const known = people('known', 4);
const strangers = people('stranger', 2);
const TIME_LEFT = 120_000;

describe('push clone: crash anywhere, run again, converge exactly', () => {
  let store: Store;
  const instances: Instance[] = [];
  beforeAll(async () => {
    store = await freshStore('crash-anywhere');
    // As a deployed table has it after its first run, so every scenario makes the same writes as the clean one.
    await requireKeyLayout(store, KEY_SHARDS, new Date().toISOString());
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.sandbox.stop()));
  });

  /** Runs the whole scenario; the process dies at `plan` (if any) and is replaced. Returns what was counted and checked. */
  async function scenario(plan?: CrashPlan) {
    const clock = new ManualClock(Date.now()); // one per scenario: scenarios run side by side
    const instance = await startInstance();
    instances.push(instance);
    const { munchkinId, sandbox, client } = instance;
    for (const id of [L1, L2, L3]) sandbox.addList(`list ${id}`, id);
    for (const email of known) sandbox.addLead({ email });
    const startDate = new Date(clock.now() - 60_000).toISOString();
    const create = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'a1', listId: L1, startDate }, { audienceId: 'a2', listId: L2, startDate }] }, clock);
    const match = await saveDestination(store, { munchkinId, mode: 'matchExistingOnly', audiences: [{ audienceId: 'a3', listId: L3, startDate }] }, clock);

    let process = new Process(plan);
    let crashes = 0;
    const runToEnd = async () => {
      for (let runs = 0; runs < 10; runs += 1) {
        try {
          const ports = { store: storeOf(process, store), clock, marketo: clientOf(process, client) };
          const summary = await runInstanceTick(ports, munchkinId, { remainingTimeMs: () => TIME_LEFT, leaseOwner: `runner-${runs}-${crashes}`, batchSize: 3 });
          if (summary.stoppedBy === 'done') return;
          // lease_busy: the dead runner's lease has not lapsed yet.
          clock.advance(TIME_LEFT + 60_000);
        } catch (error) {
          if (!(error instanceof SimulatedCrash)) throw error;
          crashes += 1;
          process = new Process(); // a new container; the dead one's lease stays behind until it lapses
        }
      }
      throw new Error('did not converge in 10 runs');
    };

    await deliver(store, clock, create, [...realize('a1', p(0, 6)), ...realize('a2', p(3, 5))]);
    await deliver(store, clock, match, realize('a3', [...known, ...strangers]));
    await runToEnd();
    await deliver(store, clock, create, [...exit('a1', p(0, 2)), ...realize('a1', p(20, 2)), ...realize('a2', p(0, 1))]);
    await deliver(store, clock, match, exit('a3', known.slice(0, 1)));
    await runToEnd();

    const memberships = await store.queryAllOf(keys.membershipPartitions(create.destinationId, 'a1'), {  });
    const counters = async (destination: typeof create) =>
      (await destinationStatus({ store, clock, config: parseConfig({}) }, destination)).audiences.map(({ audienceId, added, removed, failed, expired, skipped }) => ({ audienceId, added, removed, failed, expired, skipped }));
    return {
      counters: [...(await counters(create)), ...(await counters(match))],
      crashes,
      marketoSteps: process.marketoSteps,
      storeWrites: process.storeWrites,
      lists: [listEmails(sandbox, L1), listEmails(sandbox, L2), listEmails(sandbox, L3)],
      leads: sandbox.leads().length,
      duplicates: sandbox.duplicateEmails(),
      pending: await pendingCount(store, munchkinId),
      appliedA1: memberships.map((item) => membershipSchema.parse(item)).filter((m) => m.applied === 'in').map((m) => m.email).sort(),
    };
  }

  const expected = {
    lists: [sorted([...p(2, 4), ...p(20, 2)]), sorted([...p(0, 1), ...p(3, 5)]), sorted(known.slice(1))],
    // 4 known + p0..p7 + p20..p21: nobody created twice, no stranger created.
    leads: 4 + 8 + 2,
    duplicates: [],
    pending: 0,
    appliedA1: sorted([...p(2, 4), ...p(20, 2)]),
    // a1: p0-p5 then p20-p21 in, p0-p1 out; a2: p3-p7 then p0 in; a3: the 4 known in (2 strangers skipped), 1 out.
    counters: [
      { audienceId: 'a1', added: 8, removed: 2, failed: 0, expired: 0, skipped: {} },
      { audienceId: 'a2', added: 6, removed: 0, failed: 0, expired: 0, skipped: {} },
      { audienceId: 'a3', added: 4, removed: 1, failed: 0, expired: 0, skipped: { not_found_in_marketo: 2 } },
    ],
  };

  it('converges exactly whichever Marketo call or DynamoDB write the runner dies at', async () => {
    const clean = await scenario();
    expect(clean).toMatchObject({ crashes: 0, ...expected });
    // The counters describe the lists: what went in minus what came out is what each list holds.
    expect(clean.counters.map(({ added, removed }) => added - removed)).toEqual(clean.lists.map((list) => list.length));
    const plans: CrashPlan[] = [];
    // Every Marketo call with its effect applied and its answer lost (the hard case); every third one never sent.
    for (let at = 1; at <= clean.marketoSteps; at += 1) {
      plans.push({ target: 'marketo', at, when: 'after' });
      if (at % 3 === 1) plans.push({ target: 'marketo', at, when: 'before' });
    }
    // Every DynamoDB write (lease, ingest, cache, write-back with its counters, marker), both ways: between every pair of writes.
    const stride = Math.max(1, Math.floor(clean.storeWrites / 60));
    for (let at = 1; at <= clean.storeWrites; at += stride) plans.push({ target: 'store', at, when: 'before' }, { target: 'store', at, when: 'after' });

    const failures: string[] = [];
    await forEachLimit(plans, 4, async (plan) => {
      const outcome = await scenario(plan);
      if (outcome.crashes !== 1) failures.push(`${JSON.stringify(plan)}: ${outcome.crashes} crashes`);
      const { lists, leads, duplicates, pending, appliedA1, counters } = outcome;
      try {
        expect({ lists, leads, duplicates, pending, appliedA1, counters }).toEqual(expected);
      } catch {
        failures.push(`${JSON.stringify(plan)}: ${JSON.stringify({ lists, leads, duplicates, pending, counters })}`);
      }
    });
    expect(failures).toEqual([]);
    expect(plans.length).toBeGreaterThanOrEqual(clean.marketoSteps + 20);
    console.log(`crash test: ${plans.length} crash points over ${clean.marketoSteps} Marketo calls and ${clean.storeWrites} DynamoDB writes (every ${stride})`);
  }, 240_000);
});
