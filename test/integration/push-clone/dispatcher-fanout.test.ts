import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import { setLocalInvoker, type FunctionInvoker } from '#shared/runtime/invoker.ts';
import type { Store } from '#shared/store/index.ts';
import { dispatch } from '#functions/push-clone/core/runner/dispatcher.ts';
import { parkInstance } from '#functions/push-clone/core/instance/park.ts';
import { readWorkMarker, retireMarkerIfUnchanged, touchWorkMarker } from '#functions/push-clone/persistence/work-marker.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { lambdaContext } from '#test/support/http-events.ts';
import { useLocalPorts } from '#test/support/local-ports.ts';

/** An invoker that records what it was asked to start (the async fan-out target, not our code). */
function recorder(failFor: string[] = []) {
  const calls: Array<{ name: string; payload: unknown }> = [];
  const invoker: FunctionInvoker = {
    invokeAsync: async (name, payload) => {
      const munchkinId = (payload as { munchkinId: string }).munchkinId;
      if (failFor.includes(munchkinId)) throw new Error(`Lambda refused the invocation for ${munchkinId}`);
      calls.push({ name, payload });
    },
  };
  return { invoker, calls };
}

/** A work marker touched `version` times (as deliveries do), the runner having marked it idle until `idle.nextDueAt` at `idle.atVersion`. */
async function mark(store: Store, munchkinId: string, version: number, idle?: { nextDueAt: string; atVersion: number }) {
  for (let touches = 1; touches <= version; touches += 1) {
    await touchWorkMarker(store, munchkinId, Date.now());
    const marker = await readWorkMarker(store, munchkinId);
    if (idle && marker && touches === idle.atVersion) expect(await retireMarkerIfUnchanged(store, marker, Date.parse(idle.nextDueAt))).toBe('idle');
  }
}

describe('push clone dispatcher: one runner per instance with work', () => {
  let store: Store;
  const clock = new ManualClock(Date.parse('2026-03-10T15:00:00Z'));
  const later = new Date(clock.now() + 3_600_000).toISOString();
  const earlier = new Date(clock.now() - 60_000).toISOString();
  beforeAll(async () => {
    store = await freshStore('dispatcher-fanout');
    await mark(store, '111-AAA-111', 3);
    await mark(store, '222-BBB-222', 1);
    await parkInstance(store, '222-BBB-222', later, 'daily quota');
    await mark(store, '333-CCC-333', 2, { nextDueAt: later, atVersion: 2 });
    await mark(store, '444-DDD-444', 5, { nextDueAt: later, atVersion: 4 }); // a delivery came after the runner went idle
    await mark(store, '555-EEE-555', 1);
    await parkInstance(store, '555-EEE-555', earlier, 'daily quota');
  });

  it('invokes each instance with work once, and skips parked and idle ones', async () => {
    const { invoker, calls } = recorder();
    const results = await dispatch({ store, clock, invoker }, 'runner-fn');
    expect(calls).toEqual(
      expect.arrayContaining([
        { name: 'runner-fn', payload: { munchkinId: '111-AAA-111' } },
        { name: 'runner-fn', payload: { munchkinId: '444-DDD-444' } },
        { name: 'runner-fn', payload: { munchkinId: '555-EEE-555' } },
      ]),
    );
    expect(calls).toHaveLength(3);
    expect(results).toEqual([
      { munchkinId: '111-AAA-111', action: 'invoked' },
      { munchkinId: '222-BBB-222', action: 'skipped', reason: 'parked', until: later },
      { munchkinId: '333-CCC-333', action: 'skipped', reason: 'not_due', until: later },
      { munchkinId: '444-DDD-444', action: 'invoked' },
      { munchkinId: '555-EEE-555', action: 'invoked' },
    ]);
  });

  it('keeps fanning out when one invocation fails, and reports it', async () => {
    const { invoker, calls } = recorder(['111-AAA-111']);
    const results = await dispatch({ store, clock, invoker }, 'runner-fn');
    expect(calls).toHaveLength(2);
    expect(results.find((result) => result.munchkinId === '111-AAA-111')).toMatchObject({ action: 'failed', error: expect.stringContaining('refused') });
  });
});

describe('push clone dispatcher handler', () => {
  let ports: Ports;
  let handler: (event: unknown, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;
  const recorded = recorder();
  beforeAll(async () => {
    ports = await useLocalPorts('dispatcher-handler');
    delete process.env.PUSH_RUNNER_FUNCTION_NAME;
    setLocalInvoker(recorded.invoker);
    ({ handler } = await import('#functions/push-clone/handler-dispatcher.ts'));
    await mark(ports.store, '666-FFF-666', 1);
  });
  afterAll(() => setLocalInvoker(undefined));

  it('fans out on a scheduled event, to the catalog name of the runner when no function name is configured', async () => {
    const result = await handler({ schedule: 'push-clone-dispatcher', scheduledTime: new Date().toISOString() }, lambdaContext('push-clone-dispatcher'));
    expect(result).toEqual({ invoked: 1, results: [{ munchkinId: '666-FFF-666', action: 'invoked' }] });
    expect(recorded.calls).toEqual([{ name: 'push-clone-runner', payload: { munchkinId: '666-FFF-666' } }]);
  });

  it('refuses an event that is not a scheduled event', async () => {
    await expect(handler({ munchkinId: 'nope' }, lambdaContext('push-clone-dispatcher'))).rejects.toMatchObject({ code: 'invalid_event' });
  });
});
