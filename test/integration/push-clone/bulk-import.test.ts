import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import { parseConfig } from '#shared/config/index.ts';
import type { Store } from '#shared/store/index.ts';
import { bulkKeys } from '#functions/push-clone/core/marketo-batch/bulk-import.ts';
import { keys, leadIdItemSchema, membershipSchema } from '#functions/push-clone/core/model.ts';
import { destinationStatus } from '#functions/push-clone/core/outcomes/destination-status.ts';
import { lookUpPerson } from '#functions/push-clone/core/outcomes/person-lookup.ts';
import { DEFAULT_HISTORY_POLICY } from '#functions/push-clone/core/outcomes/person-history.ts';
import { runInstanceTick, type RunnerOptions } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { forEachLimit } from '#shared/collections.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { clientOf, Process, SimulatedCrash, storeOf, type CrashPlan } from './crash-support';
import { deliver, diffCalls, exit, listEmails, pendingCount, people, realize, restCalls, saveDestination, sorted, startInstance, type Instance } from './runner-world';

/**
 * Bulk import for large first pushes: one CSV job instead of two calls per
 * 300 people, per-person outcomes from Marketo's failures and warnings files,
 * and crash-safe like the REST path (a job started is resumed, never run
 * twice side by side, nobody created twice).
 */
const LIST = 8001;
const BULK: RunnerOptions['bulk'] = { minPeople: 20, pollMs: 10, extractPollMs: 10, maxPollMs: 60_000, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };
const LEASE_LAPSE = 60_000;

describe('push clone: bulk import for large first pushes', () => {
  let store: Store;
  const instances: Instance[] = [];
  beforeAll(async () => {
    store = await freshStore('bulk-import');
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.sandbox.stop()));
  });

  async function world(count: number, exportDurationMs = 0) {
    const clock = new ManualClock(Date.now());
    // The job (and the lead extract) is done by its first status poll: the sandbox runs them on the real clock, so a longer one would make the number of polls (and of crash points) depend on the machine's load.
    const instance = await startInstance({ sandbox: { importDurationMs: 0, exportDurationMs } });
    instances.push(instance);
    instance.sandbox.addList('bulk list', LIST);
    const destination = await saveDestination(store, { munchkinId: instance.munchkinId, mode: 'createMissing', partitionName: 'Default', audiences: [{ audienceId: 'big', listId: LIST, startDate: new Date(clock.now() - 60_000).toISOString() }] }, clock);
    const everyone = people(`bulk-${instance.munchkinId.toLowerCase()}`, count);
    return { clock, instance, destination, everyone };
  }

  const options = (extra: Partial<RunnerOptions> = {}): RunnerOptions => ({ remainingTimeMs: () => 600_000, leaseOwner: `runner-${Math.random()}`, bulk: BULK, ...extra });

  it('pushes a large first push as one import into the list, with each person\'s outcome from the failures and warnings files', async () => {
    const { clock, instance, destination, everyone } = await world(60);
    const { munchkinId, sandbox } = instance;
    const [twice, long] = [everyone[7]!, everyone[8]!];
    // The list already holds someone this audience does not: the extract returns them too, and they are not ours to cache.
    const outsider = sandbox.addLead({ email: 'outsider@example.com' });
    sandbox.addToList(LIST, [outsider.id]);
    // Marketo already holds two leads for one email: the import cannot tell which to update.
    sandbox.addLead({ email: twice });
    sandbox.addLead({ email: twice });
    await deliver(store, clock, destination, [
      ...realize('big', everyone.filter((email) => email !== long)),
      { audienceId: 'big', email: long, presence: 'in', attributes: { firstName: 'x'.repeat(300) } },
    ]);
    const before = restCalls(sandbox);
    const summary = await runInstanceTick({ store, clock, marketo: instance.client }, munchkinId, options());
    expect(summary.stoppedBy).toBe('done');
    // One file, its status, both files; no sync and no list call for anyone; then one lead extract of the list: create, enqueue, status, file.
    const calls = diffCalls(before, restCalls(sandbox)).byKind;
    expect(calls.importLeads).toBe(1);
    expect(calls.syncLeads ?? 0).toBe(0);
    expect(calls.addToList ?? 0).toBe(0);
    expect(calls.findLeads ?? 0).toBe(0);
    expect([calls.exportLeads, calls.exportEnqueue, calls.exportStatus, calls.exportFile]).toEqual([1, 1, 1, 1]);
    expect(sandbox.exports()).toMatchObject([{ status: 'Completed', fields: ['id', 'email'], filter: { staticListId: LIST } }]);
    expect(summary.leadIdsLearned).toBe(59);
    const [job] = sandbox.imports();
    expect(job).toMatchObject({ listId: LIST, partitionName: 'Default', numOfRowsFailed: 1, numOfRowsWithWarning: 1 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted([...everyone.filter((email) => email !== twice), 'outsider@example.com']));
    expect(sandbox.duplicateEmails()).toEqual([twice]);

    const memberships = new Map((await store.queryAllOf(keys.membershipPartitions(destination.destinationId, 'big'), {  })).map((item) => { const m = membershipSchema.parse(item); return [m.email, m]; }));
    expect(memberships.get(twice)?.outcome).toMatchObject({ kind: 'failed', reason: expect.stringContaining('bulk_import: Multiple lead match') });
    expect(memberships.get(twice)?.applied).toBe('none');
    expect(memberships.get(long)).toMatchObject({ applied: 'in', outcome: { kind: 'added', reason: expect.stringContaining('bulk_import_warning') } });
    expect(memberships.get(everyone[0]!)).toMatchObject({ applied: 'in', outcome: { kind: 'added' } });
    expect(summary.outcomes).toMatchObject({ added: 59, failed: 1 });
    // The person lookup explains a person the import added, added with a warning, or refused, as it does for REST.
    const lookUp = async (email: string) => (await lookUpPerson({ store, clock }, destination, email, DEFAULT_HISTORY_POLICY)).audiences[0]!;
    const byImport = `Marketo's bulk import (batch ${job!.batchId})`;
    const refused = await lookUp(twice);
    expect(refused.current).toMatchObject({ state: 'failed', inList: 'never added', message: expect.stringContaining(`${byImport} refused this person: "Multiple lead match`) });
    expect(refused.history.map((entry) => entry.kind === 'decision' ? `decision ${entry.action}` : `${entry.kind} ${entry.kind === 'marketo' ? entry.outcome : entry.status}`)).toEqual([
      'delivery realized',
      'marketo failed',
      'decision wait_for_admin',
    ]);
    expect(refused.history[1]).toMatchObject({ code: expect.stringContaining('bulk_import: Multiple lead match'), message: expect.stringContaining(byImport) });
    const warned = await lookUp(long);
    expect(warned.current).toMatchObject({ state: 'added', inList: 'yes' });
    expect(warned.history.at(-1)).toMatchObject({ kind: 'marketo', outcome: 'added', message: expect.stringMatching(new RegExp(`^Added to list ${LIST} by .*with Marketo's warning: "Value longer than`)) });
    const added = await lookUp(everyone[0]!);
    expect(added.current).toMatchObject({ state: 'added', inList: 'yes' });
    expect(added.history.map((entry) => entry.kind)).toEqual(['delivery', 'marketo']);
    expect(added.history.at(-1)).toMatchObject({ outcome: 'added', message: `Added to list ${LIST} by ${byImport}.` });
    // The status groups the refusal with its words.
    const [failures] = (await destinationStatus({ store, clock, config: parseConfig({}) }, destination)).audiences.map((audience) => audience.failuresByReason);
    expect(failures).toEqual([expect.objectContaining({ count: 1, samples: [twice], message: expect.stringContaining(byImport) })]);
    expect(await pendingCount(store, munchkinId)).toBe(0);
    expect(await store.get(bulkKeys.job(munchkinId))).toBeUndefined();

    // The lead IDs are learnt for this audience's people, on their memberships, as Marketo holds them; the refused person has none.
    const imported = everyone.filter((email) => email !== twice);
    expect(imported.map((email) => memberships.get(email)?.leadId)).toEqual(imported.map((email) => sandbox.leadsByEmail(email)[0]?.id));
    expect(memberships.get(twice)?.leadId).toBeUndefined();
    // With one audience on the instance nobody else reads the instance's lead ID cache: nothing is written there.
    expect(await store.queryAllOf(keys.leadIdPartitions(munchkinId), {})).toEqual([]);
  });

  it('also caches the learnt lead IDs for the instance when another audience may meet the same people', async () => {
    const clock = new ManualClock(Date.now());
    const instance = await startInstance({ sandbox: { importDurationMs: 0, exportDurationMs: 0 } });
    instances.push(instance);
    instance.sandbox.addList('bulk list', LIST);
    instance.sandbox.addList('other list', LIST + 1);
    const startDate = new Date(clock.now() - 60_000).toISOString();
    const destination = await saveDestination(store, { munchkinId: instance.munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'big', listId: LIST, startDate }, { audienceId: 'other', listId: LIST + 1, startDate }] }, clock);
    const everyone = people(`bulk-shared-${instance.munchkinId.toLowerCase()}`, 25);
    await deliver(store, clock, destination, realize('big', everyone));
    expect((await runInstanceTick({ store, clock, marketo: instance.client }, instance.munchkinId, options())).leadIdsLearned).toBe(25);
    const cached = new Map((await store.queryAllOf(keys.leadIdPartitions(instance.munchkinId), {})).map((item) => [item.sk, leadIdItemSchema.parse(item).leadId]));
    expect(sorted(cached.keys())).toEqual(sorted(everyone));
    for (const email of everyone) expect(cached.get(email)).toBe(instance.sandbox.leadsByEmail(email)[0]?.id);
  });

  it('needs no lookup for the exit of a bulk-imported person: the removal alone', async () => {
    const { clock, instance, destination, everyone } = await world(30);
    const { munchkinId, sandbox } = instance;
    await deliver(store, clock, destination, realize('big', everyone));
    expect((await runInstanceTick({ store, clock, marketo: instance.client }, munchkinId, options())).stoppedBy).toBe('done');
    expect(sandbox.imports()).toHaveLength(1);
    const leaving = everyone.slice(0, 5);
    await deliver(store, clock, destination, exit('big', leaving));
    const before = restCalls(sandbox);
    expect((await runInstanceTick({ store, clock, marketo: instance.client }, munchkinId, options())).stoppedBy).toBe('done');
    expect(diffCalls(before, restCalls(sandbox)).byKind).toEqual({ removeFromList: 1 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone.slice(5)));
  });

  it('falls back to lookups at exit when the lead extract is refused: logged, counted, every outcome kept', async () => {
    const { clock, instance, destination, everyone } = await world(30);
    const { munchkinId, sandbox } = instance;
    // The API user's role lacks the permission bulk extract needs: 603.
    sandbox.denyAccess('exportLeads');
    await deliver(store, clock, destination, realize('big', everyone));
    const summary = await runInstanceTick({ store, clock, marketo: instance.client }, munchkinId, options());
    expect(summary).toMatchObject({ stoppedBy: 'done', leadIdsLearned: 0, leadIdExtractsFailed: 1, outcomes: { added: 30 } });
    expect(await store.get(bulkKeys.job(munchkinId))).toBeUndefined();
    expect(await pendingCount(store, munchkinId)).toBe(0);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    const leaving = everyone.slice(0, 5);
    await deliver(store, clock, destination, exit('big', leaving));
    const before = restCalls(sandbox);
    expect((await runInstanceTick({ store, clock, marketo: instance.client }, munchkinId, options())).stoppedBy).toBe('done');
    expect(diffCalls(before, restCalls(sandbox)).byKind).toEqual({ findLeads: 1, removeFromList: 1 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone.slice(5)));
  });

  it('holds the outcomes while Marketo\'s extract queue is full (1029), then writes them without IDs after maxExtractMs, counted, without a second extract', async () => {
    // Other integrations' extracts fill the instance's queue: two processing (for ten minutes), eight queued.
    const { clock, instance, destination, everyone } = await world(25, 600_000);
    const { munchkinId, sandbox } = instance;
    for (let index = 0; index < 10; index += 1) await instance.client.enqueueLeadExport((await instance.client.createLeadExport({ fields: ['id'], filter: { staticListId: LIST } })).exportId);
    await deliver(store, clock, destination, realize('big', everyone));
    const before = restCalls(sandbox);
    const first = await runInstanceTick({ store, clock, marketo: instance.client }, munchkinId, options());
    expect(first).toMatchObject({ stoppedBy: 'done', marker: 'kept', leadIdsLearned: 0, leadIdExtractsFailed: 0, outcomes: { added: 0 } });
    // Imported, then the extract created, refused a place (1029), its status read: still Created. REST leaves the job's people alone.
    expect(diffCalls(before, restCalls(sandbox)).byKind).toEqual({ importLeads: 1, importStatus: 1, exportLeads: 1, exportEnqueue: 1, exportStatus: 1 });
    expect(await store.get(bulkKeys.job(munchkinId))).toMatchObject({ state: 'extract-created' });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect(await pendingCount(store, munchkinId)).toBe(25);
    // The status says why they are still pending.
    const audienceStatus = async () => (await destinationStatus({ store, clock, config: parseConfig({}) }, destination)).audiences[0]!;
    expect((await audienceStatus()).bulkImport).toEqual({ state: 'extract-created', people: 25, since: expect.any(String), message: expect.stringContaining('waiting for a place in Marketo\'s extract queue') });
    // A later tick tries again; past the deadline it gives up, without creating another extract.
    clock.advance(3600_000 + 1);
    const later = await runInstanceTick({ store, clock, marketo: instance.client }, munchkinId, options());
    expect(later).toMatchObject({ stoppedBy: 'done', leadIdExtractsFailed: 1, outcomes: { added: 25 } });
    expect((await audienceStatus()).bulkImport).toBeUndefined();
    expect(await store.get(bulkKeys.job(munchkinId))).toBeUndefined();
    expect(sandbox.exports().filter((job) => job.fields.includes('email'))).toHaveLength(1);
    expect(await pendingCount(store, munchkinId)).toBe(0);
  });

  it('keeps a push below the threshold on REST', async () => {
    const { clock, instance, destination, everyone } = await world(19);
    await deliver(store, clock, destination, realize('big', everyone));
    const before = restCalls(instance.sandbox);
    expect((await runInstanceTick({ store, clock, marketo: instance.client }, instance.munchkinId, options())).stoppedBy).toBe('done');
    expect(diffCalls(before, restCalls(instance.sandbox)).byKind).toEqual({ syncLeads: 1, addToList: 1 });
    expect(instance.sandbox.imports()).toEqual([]);
  });

  it('falls back to REST for a job Marketo fails as a whole (a mapped field it does not know)', async () => {
    const { clock, instance, destination, everyone } = await world(25);
    await deliver(store, clock, destination, realize('big', everyone).map((activation) => ({ ...activation, attributes: { noSuchField: 'x' } })));
    const summary = await runInstanceTick({ store, clock, marketo: instance.client }, instance.munchkinId, options());
    expect(summary.stoppedBy).toBe('done');
    expect(instance.sandbox.imports()).toMatchObject([{ status: 'Failed' }]);
    // REST then says why per person (1006), and nobody is left pending silently.
    expect(summary.outcomes.failed + summary.outcomes.skipped).toBe(25);
    expect(await pendingCount(store, instance.munchkinId)).toBe(0);
  });

  it('resumes a job interrupted at any step: one import at a time, nobody created twice, every list exact', async () => {
    const scenario = async (plan?: CrashPlan) => {
      const { clock, instance, destination, everyone } = await world(45);
      const { munchkinId, sandbox } = instance;
      // One row with a warning, so the warnings file is one of the steps.
      await deliver(store, clock, destination, [...realize('big', everyone.slice(1)), { audienceId: 'big', email: everyone[0]!, presence: 'in', attributes: { firstName: 'y'.repeat(256) } }]);
      let process = new Process(plan);
      let crashes = 0;
      for (let runs = 0; ; runs += 1) {
        if (runs > 12) throw new Error(`did not converge: ${JSON.stringify(plan)}`);
        try {
          const summary = await runInstanceTick({ store: storeOf(process, store), clock, marketo: clientOf(process, instance.client) }, munchkinId, options({ batchSize: 20 }));
          if (summary.stoppedBy === 'done' && !(await store.get(bulkKeys.job(munchkinId)))) break;
          if (summary.stoppedBy === 'lease_busy') clock.advance(LEASE_LAPSE);
        } catch (error) {
          if (!(error instanceof SimulatedCrash)) throw error;
          crashes += 1;
          process = new Process();
          clock.advance(LEASE_LAPSE);
        }
      }
      const learntIds = new Map((await store.queryAllOf(keys.membershipPartitions(destination.destinationId, 'big'), {})).map((item) => { const m = membershipSchema.parse(item); return [m.email, m.leadId]; }));
      const learnt = everyone.filter((email) => learntIds.get(email) !== undefined && learntIds.get(email) === sandbox.leadsByEmail(email)[0]?.id).length;
      return { crashes, process, sandbox, everyone, munchkinId, kinds: sandbox.imports().length, learnt };
    };
    const clean = await scenario();
    expect(clean.kinds).toBe(1);
    expect([clean.sandbox.exports().length, clean.learnt]).toEqual([1, 45]);
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
      // At most one more extract, only after a create's answer was lost; never two that run.
      const extracts = outcome.sandbox.exports();
      if (extracts.length > 2 || extracts.filter((job) => job.status !== 'Created').length !== 1) problems.push(`extracts ${JSON.stringify(extracts.map((job) => job.status))}`);
      if (outcome.learnt !== outcome.everyone.length) problems.push(`lead IDs learnt ${outcome.learnt} of ${outcome.everyone.length}`);
      if ((await pendingCount(store, outcome.munchkinId)) !== 0) problems.push('pending left');
      if (problems.length > 0) failures.push(`${JSON.stringify(plan)}: ${problems.join(', ')}`);
    });
    expect(failures).toEqual([]);
    console.log(`bulk crash test: ${plans.length} crash points over ${clean.process.marketoSteps} Marketo calls and ${clean.process.storeWrites} DynamoDB writes`);
  }, 240_000);
});
