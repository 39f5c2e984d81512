import { afterAll, beforeAll } from 'vitest';
import { ManualClock } from '#shared/clock.ts';
import type { Store } from '#shared/store/index.ts';
import type { RunnerPorts } from '#functions/push-clone/core/runner/run-context.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { startInstance, type Instance, type InstanceOptions } from './runner-world';

export interface RunnerTestWorld {
  /** This file's own table in DynamoDB Local (ready once `beforeAll` has run). */
  readonly store: Store;
  /** This file's own clock: it moves only when a test moves it, and no other file shares it. */
  readonly clock: ManualClock;
  /** A fresh Marketo instance (its own sandbox, stopped after the file) with the file's list, and the runner's ports for it. */
  instance(options?: InstanceOptions): Promise<Instance & { ports: RunnerPorts }>;
  /** An audience on the file's list that started a minute ago (so its work is due now). */
  audience(audienceId: string, listId?: number): { audienceId: string; listId: number; startDate: string };
}

/**
 * The setup every runner test file needs, in one place: call it at the top of
 * a `describe`. It registers the file's `beforeAll`/`afterAll`, so a test reads
 * as the behaviour it checks.
 */
export function useRunnerWorld(label: string, list: { id: number; name: string }): RunnerTestWorld {
  const clock = new ManualClock(Date.parse('2026-05-04T10:00:00Z'));
  const instances: Instance[] = [];
  let store: Store | undefined;
  beforeAll(async () => {
    store = await freshStore(label);
  });
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.sandbox.stop()));
  });
  const storeOf = (): Store => {
    if (!store) throw new Error('the runner test world is used before its beforeAll ran');
    return store;
  };
  return {
    get store() {
      return storeOf();
    },
    clock,
    async instance(options = {}) {
      const instance = await startInstance(options);
      instances.push(instance);
      instance.sandbox.addList(list.name, list.id);
      return { ...instance, ports: { store: storeOf(), clock, marketo: instance.client } };
    },
    audience: (audienceId, listId = list.id) => ({ audienceId, listId, startDate: new Date(clock.now() - 60_000).toISOString() }),
  };
}
