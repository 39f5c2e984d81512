import { afterAll, beforeAll } from 'vitest';
import type { FunctionInvoker } from '#shared/runtime/invoker.ts';
import type { MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import { ManualClock } from '#shared/clock.ts';
import type { MarketoClient } from '#shared/marketo/index.ts';
import type { Store } from '#shared/store/index.ts';
import type { Destination, StoredAudience } from '#functions/push-clone/core/model.ts';
import type { RunnerOptions, RunnerPorts, RunSummary } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { forEachLimit } from '#shared/collections.ts';
import { freshStore } from '#test/support/dynamo.ts';
import {
  callsUntilDone,
  deliver,
  diffCalls,
  listEmails,
  pendingCount,
  restCalls,
  run,
  runUntilDone,
  saveDestination,
  startInstance,
  type Activation,
  type DestinationSpec,
  type Instance,
  type InstanceOptions,
} from './runner-world';

/** Scenarios played side by side: enough to overlap the waits on DynamoDB Local and the sandboxes, few enough for a shared 2-core machine. */
const SCENARIOS_AT_ONCE = 2;
/** A scenario waits for its turn among the file's, so its hook gets longer than one. */
const SCENARIO_TIMEOUT_MS = 180_000;

/** Where every runner world's clock starts: a fixed instant, so no test depends on the day it runs. */
export const WORLD_START = Date.parse('2026-05-04T10:00:00Z');

/**
 * One test's runner world: its own clock (at WORLD_START, moved only by this
 * test), its own Marketo instance (its own sandbox and Munchkin ID, so its
 * items never meet another test's in the file's table) with the file's list,
 * and the verbs a runner test arranges and acts with.
 */
export interface RunnerWorld {
  readonly store: Store;
  readonly clock: ManualClock;
  readonly munchkinId: string;
  readonly sandbox: MarketoSandbox;
  readonly client: MarketoClient;
  readonly ports: RunnerPorts;
  /** The file's list ID. */
  readonly listId: number;
  /** An audience on the file's list (or `listId`) that started a minute ago, so its work is due now. */
  audience(audienceId: string, listId?: number): StoredAudience;
  /** A destination on this world's instance, saved as the setup API saves it. */
  destination(spec: Omit<DestinationSpec, 'munchkinId'>): Promise<Destination>;
  /** A delivery stored as the webhook stores it (one second after the last one). */
  deliver(destination: Destination, activations: readonly Activation[]): Promise<void>;
  run(options?: Partial<RunnerOptions>): Promise<RunSummary>;
  runUntilDone(options?: Partial<RunnerOptions>): Promise<RunSummary[]>;
  /** Runs until done and returns the REST calls Marketo answered meanwhile. */
  callsUntilDone(options?: Partial<RunnerOptions>): Promise<ReturnType<typeof diffCalls>>;
  /** The REST calls Marketo answered while `act` ran. */
  callsDuring(act: () => Promise<unknown>): Promise<ReturnType<typeof diffCalls>>;
  /** The emails in the file's list (or `listId`), sorted. */
  listEmails(listId?: number): string[];
  /** Memberships of this instance still in the work queue. */
  pendingCount(): Promise<number>;
  /** Acts (`act`), then records what a test reads about a step: the calls it cost and the list, leads and queue after it. */
  observe(act: () => Promise<unknown>): Promise<Observation>;
}

/** What one step of a story left behind, recorded when it ended (later steps change the world, not this). */
export interface Observation {
  calls: ReturnType<typeof diffCalls>;
  /** The emails in the file's list, sorted. */
  list: string[];
  leads: number;
  duplicateEmails: string[];
  pending: number;
}

export interface WorldOptions extends InstanceOptions {
  /** Where the world's clock starts (WORLD_START unless said). */
  start?: number;
  /** What reads the world's clock instead of the real one: the sandbox (its daily quota) and the client (`true`), or the sandbox only. */
  clocked?: boolean | 'sandbox';
}

export interface RunnerWorlds {
  /** The file's table in DynamoDB Local (ready once `beforeAll` has run). */
  readonly store: Store;
  /** A fresh world for one test: call it inside the test. */
  fresh(options?: WorldOptions): Promise<RunnerWorld>;
  /**
   * A scenario for the tests of the enclosing `describe`: before them, it runs
   * once in a fresh world of its own and records what each of its steps left
   * behind (`world.observe`, store reads); each test then reads one behaviour
   * from that record. Tests change nothing and move no clock, so they depend on
   * no order; a scenario's clock is its own.
   */
  scenario<T extends object>(play: (world: RunnerWorld) => Promise<T>, options?: WorldOptions): () => T & { world: RunnerWorld };
}

/**
 * The setup every runner test file needs, in one place: call it at the top of
 * a `describe`. One DynamoDB table per file (a table per test would cost a
 * table creation each); each test then takes a `fresh()` world of its own, so
 * no clock, instance or item carries from one test to the next and the tests
 * of a file may run in any order, or side by side.
 */
export function useRunnerWorlds(label: string, list: { id: number; name: string }, defaults: WorldOptions = {}): RunnerWorlds {
  const instances: Instance[] = [];
  /** The file's scenarios, started side by side once the table exists (each in its own world, so they cannot meet). */
  const scenarios: Array<{ start: () => Promise<void>; done: Promise<void> }> = [];
  let store: Store | undefined;
  beforeAll(async () => {
    store = await freshStore(label);
    void forEachLimit(scenarios, SCENARIOS_AT_ONCE, (scenario) => scenario.start());
  });
  afterAll(async () => {
    await Promise.allSettled(scenarios.map((scenario) => scenario.done));
    await Promise.all(instances.map((instance) => instance.sandbox.stop()));
  });
  const storeOf = (): Store => {
    if (!store) throw new Error('the runner test world is used before its beforeAll ran');
    return store;
  };
  const worlds: RunnerWorlds = {
    get store() {
      return storeOf();
    },
    scenario(play, options) {
      let outcome: (Awaited<ReturnType<typeof play>> & { world: RunnerWorld }) | undefined;
      let finish: (error?: unknown) => void = () => undefined;
      const done = new Promise<void>((resolve, reject) => {
        finish = (error) => (error === undefined ? resolve() : reject(error));
      });
      done.catch(() => undefined); // reported by the scenario's own beforeAll below
      scenarios.push({
        done,
        async start() {
          try {
            const world = await worlds.fresh(options);
            outcome = { ...(await play(world)), world };
            finish();
          } catch (error) {
            finish(error ?? new Error('the scenario failed'));
          }
        },
      });
      beforeAll(() => done, SCENARIO_TIMEOUT_MS);
      return () => {
        if (!outcome) throw new Error('the scenario is read before its beforeAll ran');
        return outcome;
      };
    },
    async fresh(options = {}) {
      const { start = WORLD_START, clocked = false, ...instanceOptions } = { ...defaults, ...options };
      const clock = new ManualClock(start);
      const now = () => clock.now();
      const instance = await startInstance({
        ...instanceOptions,
        sandbox: clocked ? { ...instanceOptions.sandbox, now } : instanceOptions.sandbox,
        client: clocked === true ? { ...instanceOptions.client, now } : instanceOptions.client,
      });
      instances.push(instance);
      instance.sandbox.addList(list.name, list.id);
      return worldOf(storeOf(), clock, instance, list.id);
    },
  };
  return worlds;
}

function worldOf(store: Store, clock: ManualClock, instance: Instance, listId: number): RunnerWorld {
  const { munchkinId, sandbox, client } = instance;
  const ports: RunnerPorts = { store, clock, marketo: client };
  const callsDuring = async (act: () => Promise<unknown>) => {
    const before = restCalls(sandbox);
    await act();
    return diffCalls(before, restCalls(sandbox));
  };
  return {
    store,
    clock,
    munchkinId,
    sandbox,
    client,
    ports,
    listId,
    audience: (audienceId, onList = listId) => ({ audienceId, listId: onList, startDate: new Date(clock.now() - 60_000).toISOString() }),
    destination: (spec) => saveDestination(store, { ...spec, munchkinId }, clock),
    deliver: (destination, activations) => deliver(store, clock, destination, activations),
    run: (options) => run(ports, munchkinId, options),
    runUntilDone: (options) => runUntilDone(ports, munchkinId, options),
    callsUntilDone: (options) => callsUntilDone(ports, munchkinId, sandbox, options),
    callsDuring,
    listEmails: (onList = listId) => listEmails(sandbox, onList),
    pendingCount: () => pendingCount(store, munchkinId),
    async observe(act) {
      const calls = await callsDuring(act);
      return { calls, list: listEmails(sandbox, listId), leads: sandbox.leads().length, duplicateEmails: sandbox.duplicateEmails(), pending: await pendingCount(store, munchkinId) };
    },
  };
}

/** An invoker for the dispatcher that starts nothing and records what it was asked to start (the test runs the runner itself). */
export function recordingInvoker(): { invoker: FunctionInvoker; invoked: unknown[] } {
  const invoked: unknown[] = [];
  return { invoker: { invokeAsync: async (_name, payload) => void invoked.push(payload) }, invoked };
}
