import { ManualClock } from '#shared/clock.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { ensureTable } from '#shared/store/create-table.ts';
import { startDynamoLocal, type DynamoLocal } from '#local/dynamodb-local.ts';
import { ingestInbox } from '#functions/push-clone/core/ingest/ingest-inbox.ts';
import type { Destination } from '#functions/push-clone/core/model.ts';
import { runInstanceTick, type RunnerOptions, type RunSummary } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { deliver, diffCalls, people, restCalls, saveDestination, startInstance, type Activation, type Instance } from '#test/integration/push-clone/runner-world.ts';

/**
 * The push-clone bench's world: its own DynamoDB Local and one Marketo sandbox
 * per scenario, the real webhook storage shape, ingest and runner. It reuses
 * the runner tests' world so the bench measures exactly what the tests prove.
 */
export interface BenchWorld {
  store: Store;
  clock: ManualClock;
  stop(): Promise<void>;
}

export async function startBenchWorld(): Promise<BenchWorld> {
  const dynamo: DynamoLocal = await startDynamoLocal();
  const client = createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamo.endpoint });
  const tableName = 'bench-push-clone';
  await ensureTable(client, tableName);
  return { store: new Store({ tableName, client }), clock: new ManualClock(Date.now()), stop: () => dynamo.stop() };
}

export interface Scenario {
  instance: Instance;
  destination: Destination;
  listId: number;
}

export async function scenario(world: BenchWorld, mode: Destination['personCreationMode'], limits: { callsPerWindow: number; windowMs: number; maxConcurrent: number }): Promise<Scenario> {
  const instance = await startInstance({ budget: limits, client: { timeoutMs: 30_000 } });
  const listId = 9001;
  instance.sandbox.addList('bench list', listId);
  const startDate = new Date(world.clock.now() - 60_000).toISOString();
  const destination = await saveDestination(world.store, { munchkinId: instance.munchkinId, mode, audiences: [{ audienceId: 'bench', listId, startDate }] }, world.clock);
  return { instance, destination, listId };
}

export interface Step {
  /** REST calls (by the sandbox's count) and identity calls. */
  calls: number;
  tokenCalls: number;
  byKind: Record<string, number>;
  ingestMs: number;
  runMs: number;
  runs: RunSummary[];
}

/**
 * Delivers `activations` as the webhook stores them (in 1,000-record deliveries),
 * folds them in, then runs the runner until nothing is left; ingest and the
 * runner's own work are timed apart. REST only unless `bulk` is given.
 */
export async function step(world: BenchWorld, { instance, destination }: Scenario, activations: readonly Activation[], options: Pick<RunnerOptions, 'batchSize' | 'bulk'> = {}): Promise<Step> {
  for (let start = 0; start < activations.length; start += 1_000) await deliver(world.store, world.clock, destination, activations.slice(start, start + 1_000));
  const ports = { store: world.store, clock: world.clock, marketo: instance.client };
  let started = performance.now();
  const ingested = await ingestInbox(ports, instance.munchkinId, { maxInboxItems: 100_000 });
  const ingestMs = performance.now() - started;
  if (ingested.records !== activations.length) throw new Error(`ingest folded ${ingested.records} of ${activations.length} records`);
  const before = restCalls(instance.sandbox);
  started = performance.now();
  const runs: RunSummary[] = [];
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const summary = await runInstanceTick(ports, instance.munchkinId, { remainingTimeMs: () => 900_000, leaseOwner: `bench-${attempt}`, ingest: async () => undefined, bulk: false, ...options });
    runs.push(summary);
    if (summary.stoppedBy === 'done') break;
  }
  const runMs = performance.now() - started;
  const calls = diffCalls(before, restCalls(instance.sandbox));
  return { calls: calls.total, tokenCalls: calls.identity, byKind: calls.byKind, ingestMs, runMs, runs };
}

export { people };
