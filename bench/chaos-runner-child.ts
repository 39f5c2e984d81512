import { ManualClock } from '#shared/clock.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { CallBudget, MarketoClient, MarketoTokenCache } from '#shared/marketo/index.ts';
import { runInstanceTick } from '#functions/push-clone/core/runner/run-instance-tick.ts';
import { CLIENT_ID, CLIENT_SECRET } from '#test/integration/push-clone/runner-world.ts';

/**
 * One push-clone runner in a process of its own (spawned by chaos.ts), so that
 * `kill -9` stops it between any two of its writes, as a Lambda timeout or a
 * lost container would. Runs until nothing is left and prints its last summary.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`chaos-runner-child needs ${name}`);
  return value;
};
const store = new Store({ tableName: env('CHAOS_TABLE'), client: createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: env('CHAOS_DYNAMO') }) });
const marketo = new MarketoClient({
  munchkinId: env('CHAOS_MUNCHKIN'),
  restBaseUrl: env('CHAOS_REST'),
  identityBaseUrl: env('CHAOS_IDENTITY'),
  credentials: async () => ({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }),
  budget: new CallBudget({ callsPerWindow: 100, windowMs: 10, maxConcurrent: 5 }),
  timeoutMs: 30_000,
  tokenCache: new MarketoTokenCache(),
});
// Each runner starts later than the last one's lease could reach, as the next tick after a dead runner's lease lapsed.
const clock = new ManualClock(Number(env('CHAOS_NOW')));
for (let runs = 0; runs < 50; runs += 1) {
  const summary = await runInstanceTick({ store, clock, marketo }, env('CHAOS_MUNCHKIN'), { remainingTimeMs: () => 900_000, leaseOwner: env('CHAOS_OWNER'), batchSize: 100 });
  if (summary.stoppedBy === 'done') {
    process.stdout.write(JSON.stringify({ stoppedBy: summary.stoppedBy, runs: runs + 1 }));
    process.exit(0);
  }
  clock.advance(60_000);
}
process.stdout.write(JSON.stringify({ stoppedBy: 'not_done' }));
process.exit(1);
