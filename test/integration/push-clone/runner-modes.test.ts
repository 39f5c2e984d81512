import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import type { Store } from '#shared/store/index.ts';
import { audienceStatsSchema, keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { callsUntilDone, deliver, exit, listEmails, pendingCount, people, realize, runUntilDone, saveDestination, sorted, startInstance, type Instance } from './runner-world';

const LIST = 2001;

describe('push clone runner: the list follows the audience in both person-creation modes', () => {
  let store: Store;
  const clock = new ManualClock(Date.now());
  const instances: Instance[] = [];
  beforeAll(async () => {
    store = await freshStore('runner-modes');
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.sandbox.stop()));
  });

  async function world() {
    // Marketo's real shape at speed: 10 calls per 500 ms, and a client budget to match.
    const instance = await startInstance({ budget: { callsPerWindow: 10, windowMs: 500, maxConcurrent: 5 } });
    instances.push(instance);
    instance.sandbox.addList('audience list', LIST);
    return { ...instance, ports: { store, clock, marketo: instance.client } };
  }
  const audience = (audienceId: string) => ({ audienceId, listId: LIST, startDate: new Date(clock.now() - 60_000).toISOString() });

  it('createMissing: creates and adds the new, removes who exits, adds who comes back, and spends no call on re-sends', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const destination = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [audience('aud-a')] }, clock);
    const everyone = people('create', 320);

    await deliver(store, clock, destination, realize('aud-a', everyone));
    let calls = await callsUntilDone(ports, munchkinId, sandbox);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect(calls.byKind).toEqual({ syncLeads: 2, addToList: 2 }); // 2 x ceil(320/300)
    expect(sandbox.leads()).toHaveLength(320);
    expect(sandbox.duplicateEmails()).toEqual([]);

    const leaving = everyone.slice(100, 300);
    await deliver(store, clock, destination, exit('aud-a', leaving));
    calls = await callsUntilDone(ports, munchkinId, sandbox);
    expect(calls.byKind).toEqual({ removeFromList: 1 });
    const staying = everyone.filter((email) => !leaving.includes(email));
    expect(listEmails(sandbox, LIST)).toEqual(sorted(staying));

    // AEP keeps sending `existing` for people still in: nothing to do, no call.
    await deliver(store, clock, destination, realize('aud-a', staying));
    expect((await callsUntilDone(ports, munchkinId, sandbox)).total).toBe(0);

    await deliver(store, clock, destination, realize('aud-a', leaving));
    calls = await callsUntilDone(ports, munchkinId, sandbox);
    expect(calls.byKind).toEqual({ addToList: 1 }); // their lead IDs are remembered: no upsert, no lookup
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect(sandbox.leads()).toHaveLength(320);
    expect(sandbox.duplicateEmails()).toEqual([]);
    expect(await pendingCount(store, munchkinId)).toBe(0);

    const stats = audienceStatsSchema.parse(await store.get(keys.stats(destination.destinationId, 'aud-a')));
    expect(stats).toMatchObject({ added: 520, removed: 200, failed: 0 });
  });

  it('matchExistingOnly: adds the people Marketo knows, skips and never creates the others', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const known = people('known', 200);
    for (const email of known) sandbox.addLead({ email: email.toUpperCase(), firstName: 'Known' }); // Marketo matches emails case-insensitively
    const strangers = people('stranger', 120);
    const destination = await saveDestination(store, { munchkinId, mode: 'matchExistingOnly', audiences: [audience('aud-m')] }, clock);

    await deliver(store, clock, destination, realize('aud-m', [...known, ...strangers]));
    let calls = await callsUntilDone(ports, munchkinId, sandbox);
    expect(calls.byKind.syncLeads).toBeUndefined();
    expect(calls.total).toBeLessThanOrEqual(2 * Math.ceil(320 / 300));
    expect(listEmails(sandbox, LIST)).toEqual(sorted(known));
    expect(sandbox.leads()).toHaveLength(200);
    const skipped = membershipSchema.parse(await store.get(keys.membership(destination.destinationId, 'aud-m', strangers[0] ?? '')));
    expect(skipped).toMatchObject({ applied: 'none', outcome: { kind: 'skipped', reason: 'not_found_in_marketo' } });
    // Not pending: out of the work queue (it sits in the destination audience's SKIPPED index, for samples by reason).
    expect(skipped.gsi1pk).toBe(`SKIPPED#${destination.destinationId}#aud-m`);
    const stats = await store.get(keys.stats(destination.destinationId, 'aud-m'));
    expect(stats).toMatchObject({ added: 200, skipped_not_found_in_marketo: 120 });

    const leaving = known.slice(0, 150);
    await deliver(store, clock, destination, [...exit('aud-m', leaving), ...exit('aud-m', strangers.slice(0, 50))]);
    calls = await callsUntilDone(ports, munchkinId, sandbox);
    expect(calls.byKind).toEqual({ removeFromList: 1 }); // strangers were never added: no call for them
    expect(listEmails(sandbox, LIST)).toEqual(sorted(known.slice(150)));

    await deliver(store, clock, destination, realize('aud-m', leaving));
    expect((await callsUntilDone(ports, munchkinId, sandbox)).byKind).toEqual({ addToList: 1 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(known));
    expect(sandbox.leads()).toHaveLength(200);
    expect(sandbox.duplicateEmails()).toEqual([]);
  });

  it('reuses a lead ID learnt in one audience for another, and keeps lists apart', async () => {
    const { munchkinId, sandbox, ports } = await world();
    sandbox.addList('second list', LIST + 1);
    const destination = await saveDestination(
      store,
      { munchkinId, mode: 'createMissing', audiences: [audience('aud-1'), { ...audience('aud-2'), listId: LIST + 1 }] },
      clock,
    );
    const shared = people('shared', 40);
    await deliver(store, clock, destination, realize('aud-1', shared));
    await runUntilDone(ports, munchkinId);
    await deliver(store, clock, destination, [...realize('aud-2', shared.slice(0, 20)), ...exit('aud-1', shared.slice(30))]);
    expect((await callsUntilDone(ports, munchkinId, sandbox)).byKind).toEqual({ addToList: 1, removeFromList: 1 });
    expect(listEmails(sandbox, LIST)).toEqual(sorted(shared.slice(0, 30)));
    expect(listEmails(sandbox, LIST + 1)).toEqual(sorted(shared.slice(0, 20)));
    expect(sandbox.leads()).toHaveLength(40);
  });

  it('reports record-level refusals with Marketo code and does not retry them forever', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const destination = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [audience('aud-r')] }, clock);
    const good = people('good', 5);
    await deliver(store, clock, destination, [
      ...realize('aud-r', good),
      { audienceId: 'aud-r', email: 'odd.field@example.com', presence: 'in', attributes: { noSuchField: 'x' } },
    ]);
    const summaries = await runUntilDone(ports, munchkinId);
    expect(summaries.at(-1)?.stoppedBy).toBe('done');
    expect(listEmails(sandbox, LIST)).toEqual(sorted(good));
    const refused = membershipSchema.parse(await store.get(keys.membership(destination.destinationId, 'aud-r', 'odd.field@example.com')));
    expect(refused.outcome).toMatchObject({ kind: 'failed', reason: '1006' });
    expect(sandbox.leadsByEmail('odd.field@example.com')).toEqual([]);
    expect(await pendingCount(store, munchkinId)).toBe(0);
  });
});
