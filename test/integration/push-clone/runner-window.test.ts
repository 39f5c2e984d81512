import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import type { FunctionInvoker } from '#shared/runtime/invoker.ts';
import type { Store } from '#shared/store/index.ts';
import { dispatch } from '#functions/push-clone/core/runner/dispatcher.ts';
import { destinationSchema, keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { readDestination } from '#functions/push-clone/persistence/destinations.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { deliver, diffCalls, exit, listEmails, pendingCount, people, realize, restCalls, run, runUntilDone, saveDestination, sorted, startInstance, type Instance } from './runner-world';

const LIST = 3001;
const HOUR = 3_600_000;

describe('push clone runner: the audience window (start and end dates)', () => {
  let store: Store;
  const clock = new ManualClock(Date.now());
  const instances: Instance[] = [];
  beforeAll(async () => {
    store = await freshStore('runner-window');
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.sandbox.stop()));
  });

  async function world() {
    const instance = await startInstance();
    instances.push(instance);
    instance.sandbox.addList('window list', LIST);
    return { ...instance, ports: { store, clock, marketo: instance.client } };
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  const recordingInvoker = () => {
    const invoked: unknown[] = [];
    const invoker: FunctionInvoker = { invokeAsync: async (_name, payload) => void invoked.push(payload) };
    return { invoker, invoked };
  };

  it('pushes nothing before the start date, leaves the dispatcher idle until then, and pushes once it comes', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const startsAt = clock.now() + HOUR;
    const destination = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'later', listId: LIST, startDate: iso(startsAt) }] }, clock);
    const everyone = people('later', 12);
    await deliver(store, clock, destination, realize('later', everyone));

    const before = restCalls(sandbox);
    const early = await run(ports, munchkinId);
    expect(early).toMatchObject({ stoppedBy: 'done', marker: 'idle' });
    expect(diffCalls(before, restCalls(sandbox)).total).toBe(0);
    expect(listEmails(sandbox, LIST)).toEqual([]);
    expect(await pendingCount(store, munchkinId)).toBe(12);

    const idle = recordingInvoker();
    const quiet = await dispatch({ store, clock, invoker: idle.invoker }, 'push-clone-runner');
    expect(quiet.find((result) => result.munchkinId === munchkinId)).toMatchObject({ action: 'skipped', reason: 'not_due', until: iso(startsAt) });

    clock.set(startsAt + 1_000);
    const due = recordingInvoker();
    await dispatch({ store, clock, invoker: due.invoker }, 'push-clone-runner');
    expect(due.invoked).toContainEqual({ munchkinId });
    const pushed = await runUntilDone(ports, munchkinId);
    expect(pushed.at(-1)?.marker).toBe('deleted');
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
  });

  it('freeze: after the end date the list stays as it was and pending changes expire without a call', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const endsAt = clock.now() + 10 * 60_000;
    const destination = await saveDestination(
      store,
      { munchkinId, mode: 'createMissing', endDateBehavior: 'freeze', audiences: [{ audienceId: 'frozen', listId: LIST, startDate: iso(clock.now() - HOUR), endDate: iso(endsAt) }] },
      clock,
    );
    const everyone = people('frozen', 10);
    await deliver(store, clock, destination, realize('frozen', everyone));
    await runUntilDone(ports, munchkinId);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));

    await deliver(store, clock, destination, [...exit('frozen', everyone.slice(0, 3)), ...realize('frozen', people('frozen', 2, 10))]);
    clock.set(endsAt + 1_000);
    const before = restCalls(sandbox);
    await runUntilDone(ports, munchkinId);
    expect(diffCalls(before, restCalls(sandbox)).total).toBe(0);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    const expired = membershipSchema.parse(await store.get(keys.membership(destination.destinationId, 'frozen', everyone[0] ?? '')));
    expect(expired).toMatchObject({ desired: 'out', applied: 'in', outcome: { kind: 'expired', reason: 'end_date' } });
    expect(await store.get(keys.stats(destination.destinationId, 'frozen'))).toMatchObject({ added: 10, expired: 5 });
    const saved = destinationSchema.parse(await readDestination(store, destination.destinationId));
    expect(saved.audiences[0]?.endHandledAt).toBeDefined();

    // Deliveries after the end date are dropped by ingest: still nothing moves.
    await deliver(store, clock, destination, exit('frozen', everyone));
    await runUntilDone(ports, munchkinId);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect(await pendingCount(store, munchkinId)).toBe(0);
  });

  it('removeMembers: after the end date every person we added leaves the list, once; people others put there stay', async () => {
    const { munchkinId, sandbox, ports } = await world();
    const theirs = [sandbox.addLead({ email: 'someone.else@example.com' }), sandbox.addLead({ email: 'another.one@example.com' })];
    sandbox.addToList(LIST, theirs.map((lead) => lead.id));
    const endsAt = clock.now() + 10 * 60_000;
    const destination = await saveDestination(
      store,
      { munchkinId, mode: 'createMissing', endDateBehavior: 'removeMembers', audiences: [{ audienceId: 'ending', listId: LIST, startDate: iso(clock.now() - HOUR), endDate: iso(endsAt) }] },
      clock,
    );
    const ours = people('ending', 14);
    await deliver(store, clock, destination, realize('ending', ours));
    const first = await runUntilDone(ports, munchkinId);
    expect(first.at(-1)?.marker).toBe('idle'); // the end date is still to be carried out
    await deliver(store, clock, destination, exit('ending', ours.slice(0, 4)));
    await runUntilDone(ports, munchkinId);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(['someone.else@example.com', 'another.one@example.com', ...ours.slice(4)]));

    clock.set(endsAt + 1_000);
    let before = restCalls(sandbox);
    const ended = await runUntilDone(ports, munchkinId);
    expect(diffCalls(before, restCalls(sandbox)).byKind).toEqual({ removeFromList: 1 });
    expect(ended.at(-1)?.marker).toBe('deleted');
    expect(listEmails(sandbox, LIST)).toEqual(sorted(['someone.else@example.com', 'another.one@example.com']));
    const removed = membershipSchema.parse(await store.get(keys.membership(destination.destinationId, 'ending', ours[10] ?? '')));
    expect(removed).toMatchObject({ applied: 'out', outcome: { kind: 'removed', reason: 'end_date' } });
    expect(destinationSchema.parse(await readDestination(store, destination.destinationId)).audiences[0]?.endHandledAt).toBeDefined();

    before = restCalls(sandbox);
    await run(ports, munchkinId);
    expect(diffCalls(before, restCalls(sandbox)).total).toBe(0);
  });
});
