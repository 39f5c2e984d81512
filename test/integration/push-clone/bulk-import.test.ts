import { describe, expect, it } from 'vitest';
import type { ManualClock } from '#shared/clock.ts';
import { bulkKeys } from '#functions/push-clone/core/marketo-batch/bulk-import.ts';
import { keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { runInstanceTick, type RunnerOptions } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { forEachLimit } from '#shared/collections.ts';
import { clientOf, Process, SimulatedCrash, storeOf, type CrashPlan } from './crash-support';
import { deliver, diffCalls, exit, listEmails, pendingCount, people, realize, restCalls, sorted } from './runner-world';
import { useRunnerWorlds } from './runner-setup';

/**
 * Bulk import for large first pushes: one CSV job instead of two calls per
 * 300 people, per-person outcomes from Marketo's failures and warnings files,
 * and crash-safe like the REST path (a job started is resumed, never run
 * twice side by side, nobody created twice).
 */
const LIST = 8001;
const LEASE_LAPSE = 60_000;

describe('push clone: bulk import for large first pushes', () => {
  // The job is done by its first status poll: the sandbox imports on the real clock, so a longer import would make the number of polls (and of crash points) depend on the machine's load.
  const worlds = useRunnerWorlds('bulk-import', { id: LIST, name: 'bulk list' }, { sandbox: { importDurationMs: 0 } });
  /** The file's table. */
  const store = () => worlds.store;

  async function world(count: number) {
    const instance = await worlds.fresh();
    const destination = await instance.destination({ mode: 'createMissing', partitionName: 'Default', audiences: [instance.audience('big')] });
    const everyone = people(`bulk-${instance.munchkinId.toLowerCase()}`, count);
    return { clock: instance.clock, instance, destination, everyone };
  }

  /** The runner's options with bulk import from 20 people; polls wait on the world's clock, not the real one. */
  const options = (clock: ManualClock, extra: Partial<RunnerOptions> = {}): RunnerOptions => ({
    remainingTimeMs: () => 600_000,
    leaseOwner: `runner-${Math.random()}`,
    bulk: { minPeople: 20, pollMs: 10, maxPollMs: 60_000, sleep: async (ms) => clock.advance(ms) },
    ...extra,
  });

  it('pushes a large first push as one import into the list, with each person\'s outcome from the failures and warnings files', async () => {
    const { clock, instance, destination, everyone } = await world(60);
    const { munchkinId, sandbox } = instance;
    const [twice, long] = [everyone[7]!, everyone[8]!];
    // Marketo already holds two leads for one email: the import cannot tell which to update.
    sandbox.addLead({ email: twice });
    sandbox.addLead({ email: twice });
    await deliver(store(), clock, destination, [
      ...realize('big', everyone.filter((email) => email !== long)),
      { audienceId: 'big', email: long, presence: 'in', attributes: { firstName: 'x'.repeat(300) } },
    ]);
    const before = restCalls(sandbox);
    const summary = await runInstanceTick({ store: store(), clock, marketo: instance.client }, munchkinId, options(clock));
    expect(summary.stoppedBy).toBe('done');
    // One file, its status, both files; no sync and no list call for anyone.
    const calls = diffCalls(before, restCalls(sandbox)).byKind;
    expect(calls.importLeads).toBe(1);
    expect(calls.syncLeads ?? 0).toBe(0);
    expect(calls.addToList ?? 0).toBe(0);
    const [job] = sandbox.imports();
    expect(job).toMatchObject({ listId: LIST, partitionName: 'Default', numOfRowsFailed: 1, numOfRowsWithWarning: 1 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone.filter((email) => email !== twice)));
    expect(sandbox.duplicateEmails()).toEqual([twice]);

    const memberships = new Map((await store().queryAll({ partition: keys.membershipPartition(destination.destinationId, 'big') })).map((item) => { const m = membershipSchema.parse(item); return [m.email, m]; }));
    expect(memberships.get(twice)?.outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining('bulk_import: Multiple lead match') });
    expect(memberships.get(twice)?.applied).toBe('none');
    expect(memberships.get(long)).toMatchObject({ applied: 'in', outcome: { kind: 'added', reason: expect.stringContaining('bulk_import_warning') } });
    expect(memberships.get(everyone[0]!)).toMatchObject({ applied: 'in', outcome: { kind: 'added' } });
    expect(summary.outcomes).toMatchObject({ added: 59, failed: 1 });
    expect(await pendingCount(store(), munchkinId)).toBe(0);
    expect(await store().get(bulkKeys.job(munchkinId))).toBeUndefined();

    // Later exits need no lead ID learnt up front: one lookup per 300 exits, then the removal.
    const leaving = everyone.slice(0, 5);
    await deliver(store(), clock, destination, exit('big', leaving));
    const exitBefore = restCalls(sandbox);
    expect((await runInstanceTick({ store: store(), clock, marketo: instance.client }, munchkinId, options(clock))).stoppedBy).toBe('done');
    expect(diffCalls(exitBefore, restCalls(sandbox)).byKind).toEqual({ findLeads: 1, removeFromList: 1 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone.slice(5).filter((email) => email !== twice)));
  });

  it('keeps a push below the threshold on REST', async () => {
    const { clock, instance, destination, everyone } = await world(19);
    await deliver(store(), clock, destination, realize('big', everyone));
    const before = restCalls(instance.sandbox);
    expect((await runInstanceTick({ store: store(), clock, marketo: instance.client }, instance.munchkinId, options(clock))).stoppedBy).toBe('done');
    expect(diffCalls(before, restCalls(instance.sandbox)).byKind).toEqual({ syncLeads: 1, addToList: 1 });
    expect(instance.sandbox.imports()).toEqual([]);
  });

  it('falls back to REST for a job Marketo fails as a whole (a mapped field it does not know)', async () => {
    const { clock, instance, destination, everyone } = await world(25);
    await deliver(store(), clock, destination, realize('big', everyone).map((activation) => ({ ...activation, attributes: { noSuchField: 'x' } })));
    const summary = await runInstanceTick({ store: store(), clock, marketo: instance.client }, instance.munchkinId, options(clock));
    expect(summary.stoppedBy).toBe('done');
    expect(instance.sandbox.imports()).toMatchObject([{ status: 'Failed' }]);
    // REST then says why per person (1006), and nobody is left pending silently.
    expect(summary.outcomes.failed + summary.outcomes.skipped).toBe(25);
    expect(await pendingCount(store(), instance.munchkinId)).toBe(0);
  });

  it('resumes a job interrupted at any step: one import at a time, nobody created twice, every list exact', async () => {
    const scenario = async (plan?: CrashPlan) => {
      const { clock, instance, destination, everyone } = await world(45);
      const { munchkinId, sandbox } = instance;
      // One row with a warning, so the warnings file is one of the steps.
      await deliver(store(), clock, destination, [...realize('big', everyone.slice(1)), { audienceId: 'big', email: everyone[0]!, presence: 'in', attributes: { firstName: 'y'.repeat(256) } }]);
      let process = new Process(plan);
      let crashes = 0;
      for (let runs = 0; ; runs += 1) {
        if (runs > 12) throw new Error(`did not converge: ${JSON.stringify(plan)}`);
        try {
          const summary = await runInstanceTick({ store: storeOf(process, store()), clock, marketo: clientOf(process, instance.client) }, munchkinId, options(clock, { batchSize: 20 }));
          if (summary.stoppedBy === 'done' && !(await store().get(bulkKeys.job(munchkinId)))) break;
          if (summary.stoppedBy === 'lease_busy') clock.advance(LEASE_LAPSE);
        } catch (error) {
          if (!(error instanceof SimulatedCrash)) throw error;
          crashes += 1;
          process = new Process();
          clock.advance(LEASE_LAPSE);
        }
      }
      return { crashes, process, sandbox, everyone, munchkinId, kinds: sandbox.imports().length };
    };
    const clean = await scenario();
    expect(clean.kinds).toBe(1);
    const plans: CrashPlan[] = [];
    for (let at = 1; at <= clean.process.marketoSteps; at += 1) plans.push({ target: 'marketo', at, when: 'after' }, { target: 'marketo', at, when: 'before' });
    for (let at = 1; at <= clean.process.storeWrites; at += 1) plans.push({ target: 'store', at, when: at % 2 === 0 ? 'after' : 'before' });
    const failures: string[] = [];
    await forEachLimit(plans, 4, async (plan) => {
      const outcome = await scenario(plan);
      const problems = [];
      if (outcome.crashes !== 1) problems.push(`${outcome.crashes} crashes`);
      if (JSON.stringify(listEmails(outcome.sandbox, LIST)) !== JSON.stringify(sorted(outcome.everyone))) problems.push('list differs');
      if (outcome.sandbox.duplicateEmails().length > 0) problems.push('duplicate leads');
      if (outcome.sandbox.leads().length !== outcome.everyone.length) problems.push(`${outcome.sandbox.leads().length} leads`);
      // A second import only after the first one's answer was lost, and never beside it (1019).
      if (outcome.kinds > 2) problems.push(`${outcome.kinds} imports`);
      if ((await pendingCount(store(), outcome.munchkinId)) !== 0) problems.push('pending left');
      if (problems.length > 0) failures.push(`${JSON.stringify(plan)}: ${problems.join(', ')}`);
    });
    expect(failures).toEqual([]);
    console.log(`bulk crash test: ${plans.length} crash points over ${clean.process.marketoSteps} Marketo calls and ${clean.process.storeWrites} DynamoDB writes`);
  }, 240_000);
});
