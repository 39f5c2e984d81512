import { describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import { LeaseLock, type Store } from '#shared/store/index.ts';
import { keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { runnerLeaseName, runInstanceTick, type RunSummary } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { clientOf as crashableClient, Process, SimulatedCrash, storeOf } from './crash-support';
import { clientOf, listEmails, pendingCount, people, realize, sorted, type Instance } from './runner-world';
import { useRunnerWorlds } from './runner-setup';

/**
 * The short lease (issue: "a crash costs a minute, not fifteen"): a runner
 * killed mid-push is taken over as soon as its lease lapses (55 s after its
 * last renewal), a runner that cannot renew stops sending before its lease can
 * lapse, and a runner paused past its lease cannot write back. Throughout, no
 * email is ever in flight from two runners: a call sent at `t` may stay in
 * flight until `t + its time-out` (Marketo gives up after 30 s, our client at
 * 35 s), and no other runner may send that email before then.
 *
 * The clock is the test's: every Marketo call takes CALL_MS of it, and ticks
 * are tried every TICK_MS (finer than the real dispatcher's minute, so a lease
 * that lapsed too early would be caught).
 */
const LIST = 7001;
const CALL_MS = 5_000;
const TICK_MS = 5_000;
/** The production client time-out: the longest one attempt stays in flight. */
const CALL_TIMEOUT_MS = 35_000;
const LEASE_TTL_MS = 55_000;

interface SentCall {
  runner: string;
  at: number;
  path: string;
  emails: string[];
}

describe('push clone: a short lease, renewed while the runner works', () => {
  const worlds = useRunnerWorlds('lease-takeover', { id: LIST, name: 'leased list' }, { start: Date.parse('2026-03-02T10:00:00Z'), client: { timeoutMs: CALL_TIMEOUT_MS } });

  /** An instance with one create-mode audience of `count` people delivered, and a way to build a runner's client that records what it sends. */
  async function world(count: number) {
    const instance = await worlds.fresh();
    const { munchkinId, sandbox, clock, store } = instance;
    const destination = await instance.destination({ mode: 'createMissing', audiences: [instance.audience('a')] });
    const everyone = people(`lease-${munchkinId.toLowerCase()}`, count);
    await instance.deliver(destination, realize('a', everyone));
    const sent: SentCall[] = [];
    /** Every REST request as Marketo received it, with the clock moved by its duration; `during` runs while the answer is held back. */
    const clientFor = (runner: string, during?: (call: SentCall) => Promise<void>) =>
      clientOf(munchkinId, sandbox, { callsPerWindow: 100, windowMs: 200, maxConcurrent: 5 }, {
        timeoutMs: CALL_TIMEOUT_MS,
        fetch: async (input, init) => {
          const url = new URL(String(input instanceof Request ? input.url : input));
          const response = await fetch(input, init);
          if (url.pathname.startsWith('/identity')) return response;
          const call = { runner, at: clock.now(), path: url.pathname, emails: emailsOf(instance, url, init) };
          sent.push(call);
          clock.advance(CALL_MS);
          await during?.(call);
          return response;
        },
      });
    return { store, clock, instance, everyone, sent, clientFor, destinationId: destination.destinationId };
  }

  /** The dispatcher's ticks: tries a runner every TICK_MS until one gets the lease; returns its summary and when it started. */
  async function nextTickThatRuns(clock: ManualClock, start: () => Promise<RunSummary>) {
    for (let tries = 0; tries < 100; tries += 1) {
      const at = clock.now();
      const summary = await start();
      if (summary.stoppedBy !== 'lease_busy') return { summary, at };
      clock.advance(TICK_MS);
    }
    throw new Error('the lease never lapsed');
  }

  /** No email sent by one runner before another runner's call of it could have ended. */
  function expectNeverTwiceInFlight(sent: readonly SentCall[]) {
    const overlaps: string[] = [];
    for (const later of sent) {
      for (const earlier of sent) {
        if (earlier.runner === later.runner || earlier.at > later.at) continue;
        const shared = later.emails.filter((email) => earlier.emails.includes(email));
        if (shared.length > 0 && later.at < earlier.at + CALL_TIMEOUT_MS) overlaps.push(`${shared[0]}: ${earlier.runner}@${earlier.at} then ${later.runner}@${later.at}`);
      }
    }
    expect(overlaps).toEqual([]);
  }

  const leaseOf = async (munchkinId: string) => (await worlds.store.get({ pk: `LEASE#${runnerLeaseName(munchkinId)}`, sk: 'LEASE' })) as unknown as { expiresAtMs: number; owner?: string };

  it('keeps a runner that works longer than one lease alive by renewing it', async () => {
    const { store, clock, instance, everyone, sent, clientFor } = await world(40);
    const summary = await runInstanceTick({ store, clock, marketo: clientFor('A') }, instance.munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: 'A', batchSize: 5 });
    expect(summary.stoppedBy).toBe('done');
    // 8 batches of 2 calls at 5 s: longer than the 55 s lease, so it was renewed on the way.
    expect(sent.length * CALL_MS).toBeGreaterThan(LEASE_TTL_MS);
    expect(listEmails(instance.sandbox, LIST)).toEqual(sorted(everyone));
  });

  it.each([
    { at: 14, when: 'after' as const },
    { at: 14, when: 'before' as const },
    { at: 4, when: 'after' as const },
  ])('takes a runner killed at Marketo call $at ($when) over at the first tick after its lease lapses, with no email in flight twice', async (plan) => {
    const { store, clock, instance, everyone, sent, clientFor } = await world(40);
    const { munchkinId, sandbox } = instance;
    const process = new Process({ target: 'marketo', ...plan });
    const ports = { store: storeOf(process, store), clock, marketo: crashableClient(process, clientFor('A')) };
    await expect(runInstanceTick(ports, munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: 'A', batchSize: 5 })).rejects.toBeInstanceOf(SimulatedCrash);
    const diedAt = clock.now();
    // Calls went on past the first lease's 55 s, so the lease left behind is a renewed one.
    if (plan.at === 14) expect(diedAt - sent[0]!.at).toBeGreaterThan(LEASE_TTL_MS);

    const { summary, at } = await nextTickThatRuns(clock, () => runInstanceTick({ store, clock, marketo: clientFor('B') }, munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: `B-${clock.now()}`, batchSize: 5 }));
    expect(summary.stoppedBy).toBe('done');
    // Taken over within a lease (55 s) and one tick of the test's dispatcher; in production ticks are a minute apart: under two minutes.
    expect(at - diedAt).toBeGreaterThan(0);
    expect(at - diedAt).toBeLessThanOrEqual(LEASE_TTL_MS + TICK_MS);
    expectNeverTwiceInFlight(sent);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect(sandbox.duplicateEmails()).toEqual([]);
    expect(await pendingCount(store, munchkinId)).toBe(0);
  });

  it('stops a runner that cannot renew before its lease can lapse, and the next one carries on', async () => {
    const { store, clock, instance, everyone, sent, clientFor } = await world(40);
    const { munchkinId, sandbox } = instance;
    let leaseWrites = 0;
    // DynamoDB stops answering for the lease item after the acquisition (as a partition that times out would).
    const unrenewable = new Proxy(store, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== 'update' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<Store['update']>) => {
          if (args[0].pk.startsWith('LEASE#') && leaseWrites++ > 0) throw new Error('simulated DynamoDB time-out');
          return target.update(...args);
        };
      },
    });
    const first = await runInstanceTick({ store: unrenewable, clock, marketo: clientFor('A') }, munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: 'A', batchSize: 5 });
    expect(first.stoppedBy).toBe('lease_lost');
    const lease = await leaseOf(munchkinId);
    const lastOfA = sent.filter((call) => call.runner === 'A').at(-1)!;
    // Its last call could stay in flight until at + time-out: the lease it left behind outlives that.
    expect(lastOfA.at + CALL_TIMEOUT_MS).toBeLessThanOrEqual(lease.expiresAtMs);
    expect(first.outcomes.added).toBeGreaterThan(0);

    const { summary } = await nextTickThatRuns(clock, () => runInstanceTick({ store, clock, marketo: clientFor('B') }, munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: `B-${clock.now()}`, batchSize: 5 }));
    expect(summary.stoppedBy).toBe('done');
    expectNeverTwiceInFlight(sent);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect(await pendingCount(store, munchkinId)).toBe(0);
  });

  it('fences the write-back of a runner paused past its lease: it cannot write, and sends nothing more', async () => {
    const { store, clock, instance, everyone, sent, clientFor, destinationId } = await world(20);
    const { munchkinId, sandbox } = instance;
    let takenOverAt = 0;
    let paused = false;
    // A's fourth call (the second batch's list call, after which it writes back) hangs (a frozen container) while its lease lapses and B does the whole push.
    const pausing = clientFor('A', async () => {
      if (paused || sent.filter((call) => call.runner === 'A').length !== 4) return;
      paused = true;
      const { summary, at } = await nextTickThatRuns(clock, () => runInstanceTick({ store, clock, marketo: clientFor('B') }, munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: `B-${clock.now()}`, batchSize: 5 }));
      expect(summary.stoppedBy).toBe('done');
      takenOverAt = at;
    });
    const stale = await runInstanceTick({ store, clock, marketo: pausing }, munchkinId, { remainingTimeMs: () => 600_000, leaseOwner: 'A', batchSize: 5 });
    expect(stale.stoppedBy).toBe('lease_lost');
    expect(takenOverAt).toBeGreaterThan(0);
    // Nothing sent by A once B held the lease, and no email in flight twice.
    expect(sent.filter((call) => call.runner === 'A' && call.at >= takenOverAt)).toEqual([]);
    expectNeverTwiceInFlight(sent);
    // B's write-back stands: every membership applied, none pending, and the lease is free (B released it, A could not touch it).
    expect(await pendingCount(store, munchkinId)).toBe(0);
    // The people of A's paused call keep the outcome B wrote: A's stale write-back (stamped before the pause) was refused.
    const pausedCall = sent.filter((call) => call.runner === 'A')[3]!;
    const memberships = (await store.queryAllOf(keys.membershipPartitions(destinationId, 'a'), {  })).map((item) => membershipSchema.parse(item));
    const outcomeTimes = memberships.filter((membership) => pausedCall.emails.includes(membership.email)).map((membership) => Date.parse(membership.outcome?.at ?? ''));
    expect(outcomeTimes).toHaveLength(pausedCall.emails.length);
    for (const at of outcomeTimes) expect(at).toBeGreaterThanOrEqual(takenOverAt);
    expect(listEmails(sandbox, LIST)).toEqual(sorted(everyone));
    expect((await leaseOf(munchkinId)).owner).toBeUndefined();
    expect(await new LeaseLock(store, clock).acquire(runnerLeaseName(munchkinId), 'next', 1_000)).toBeDefined();
  });
});

/** The emails a REST request names: sync inputs by email, list changes by lead ID, lookups by filter value. */
function emailsOf(instance: Instance, url: URL, init: RequestInit | undefined): string[] {
  const emails = (url.searchParams.get('filterValues') ?? '').split(',').filter(Boolean);
  if (typeof init?.body === 'string' && init.body.startsWith('{')) {
    const body = JSON.parse(init.body) as { input?: Array<{ email?: string; id?: number }> };
    for (const record of body.input ?? []) {
      if (record.email) emails.push(record.email.toLowerCase());
      else if (record.id !== undefined) emails.push(instance.sandbox.lead(record.id)?.email?.toLowerCase() ?? `#${record.id}`);
    }
  }
  return emails;
}
