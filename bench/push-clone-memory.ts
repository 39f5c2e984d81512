import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startDynamoLocal } from '#local/dynamodb-local.ts';
import { ManualClock } from '#shared/clock.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { ensureTable } from '#shared/store/create-table.ts';
import { deliver, listEmails, people, realize, saveDestination, startInstance } from '#test/integration/push-clone/runner-world.ts';
import { progress, type BenchRow } from './report';

const run = promisify(execFile);

/**
 * docs/targets.md: "the runner's peak RSS with a 100k-person backlog <= 256 MB (it
 * pages through pending work, never loads it whole)". A backlog of N people
 * (BENCH_MEMORY_PEOPLE, default 100,000) waits in the inbox; one runner tick in
 * its own process folds it in and pushes it all; its peak RSS is reported.
 */
export async function benchPushCloneMemory(): Promise<BenchRow[]> {
  const size = Number(process.env.BENCH_MEMORY_PEOPLE ?? 100_000);
  const dynamo = await startDynamoLocal();
  const instance = await startInstance({ budget: { callsPerWindow: 100, windowMs: 10, maxConcurrent: 5 }, client: { timeoutMs: 30_000 } });
  try {
    const client = createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamo.endpoint });
    const tableName = 'bench-memory';
    await ensureTable(client, tableName);
    const store = new Store({ tableName, client });
    const clock = new ManualClock(Date.now());
    instance.sandbox.addList('bench memory', 9002);
    const destination = await saveDestination(
      store,
      { munchkinId: instance.munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'memory', listId: 9002, startDate: new Date(clock.now() - 60_000).toISOString() }] },
      clock,
    );
    const everyone = people('memory', size);
    for (let start = 0; start < size; start += 1_000) {
      await deliver(store, clock, destination, realize('memory', everyone.slice(start, start + 1_000)));
      if ((start + 1_000) % 20_000 === 0) progress(`memory: ${start + 1_000}/${size} people waiting in the inbox`);
    }
    progress(`memory: one runner tick over ${size} people in its own process`);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/push-clone-memory-child.ts'], {
      env: {
        ...process.env,
        BENCH_TABLE: tableName,
        BENCH_DYNAMO: dynamo.endpoint,
        BENCH_MUNCHKIN: instance.munchkinId,
        BENCH_REST: instance.sandbox.baseUrl,
        BENCH_IDENTITY: instance.sandbox.identityUrl,
        BENCH_NOW: String(clock.now()),
        LOG_LEVEL: 'SILENT',
      },
      maxBuffer: 1024 * 1024,
      timeout: 20 * 60_000,
    });
    const result = JSON.parse(stdout) as { stoppedBy: string; added: number; baselineRss: number; maxRss: number };
    const inList = listEmails(instance.sandbox, 9002).length;
    const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
    return [
      {
        group: 'push-clone',
        name: `runner peak RSS, ${size.toLocaleString('en-US')}-person backlog (after imports: ${mb(result.baselineRss)} MB; ${inList.toLocaleString('en-US')} in the list)`,
        value: mb(result.maxRss),
        unit: 'MB',
        bound: 256,
        kind: 'max',
        note: `stopped by ${result.stoppedBy}, ${result.added} added`,
      },
    ];
  } finally {
    await instance.sandbox.stop();
    await dynamo.stop();
  }
}
