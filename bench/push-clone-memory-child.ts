import { ManualClock } from '#shared/clock.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { CallBudget, MarketoClient, MarketoTokenCache } from '#shared/marketo/index.ts';
import { runInstanceTick } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { CLIENT_ID, CLIENT_SECRET } from '#test/integration/push-clone/runner-world.ts';

/**
 * One runner tick in a process of its own (spawned by push-clone-memory.ts), so
 * its peak RSS is the runner's alone: it folds the whole inbox and pushes it all.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`push-clone-memory-child needs ${name}`);
  return value;
};
const store = new Store({ tableName: env('BENCH_TABLE'), client: createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: env('BENCH_DYNAMO') }) });
const marketo = new MarketoClient({
  munchkinId: env('BENCH_MUNCHKIN'),
  restBaseUrl: env('BENCH_REST'),
  identityBaseUrl: env('BENCH_IDENTITY'),
  credentials: async () => ({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
  budget: new CallBudget({ callsPerWindow: 100, windowMs: 10, maxConcurrent: 5 }),
  timeoutMs: 30_000,
  tokenCache: new MarketoTokenCache(),
});
const baselineRss = process.memoryUsage().rss;
const summary = await runInstanceTick({ store, clock: new ManualClock(Number(env('BENCH_NOW'))), marketo }, env('BENCH_MUNCHKIN'), {
  remainingTimeMs: () => 900_000,
  leaseOwner: 'bench-memory',
  bulk: false,
});
process.stdout.write(
  JSON.stringify({ stoppedBy: summary.stoppedBy, added: summary.outcomes.added, baselineRss, maxRss: process.resourceUsage().maxRSS * 1024 }),
);
