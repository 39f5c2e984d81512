import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoLocal } from '#local/dynamodb-local.ts';
import { destinationStatus } from '#functions/push-clone/core/outcomes/destination-status.ts';
import { ManualClock } from '#shared/clock.ts';
import { parseConfig } from '#shared/config/index.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { ensureTable } from '#shared/store/create-table.ts';
import { deliver, exit, listEmails, pendingCount, people, realize, saveDestination, startInstance } from '#test/integration/push-clone/runner-world.ts';
import { progress, type BenchRow } from './report';

/**
 * `npm run chaos` (also `npm run bench chaos`): kill -9 the push-clone runner
 * at random moments and check that the status tells the truth. A file-backed
 * DynamoDB Local and a Marketo sandbox stay up; N people (CHAOS_PEOPLE,
 * default 3,000) enter an audience, then a tenth exit; each time, runner
 * processes are spawned and killed with SIGKILL after a random 100-1,500 ms
 * (CHAOS_KILLS kills in all, default 24), then one runs to the end. The
 * status's added/removed must equal the changes the list really went
 * through, and nobody may be left pending or created twice.
 */
export async function benchChaos(): Promise<BenchRow[]> {
  const size = Number(process.env.CHAOS_PEOPLE ?? 3_000);
  const kills = Number(process.env.CHAOS_KILLS ?? 24);
  const dataDir = mkdtempSync(join(tmpdir(), 'orgbridge-chaos-'));
  const dynamo = await startDynamoLocal({ dataDir });
  const instance = await startInstance({ budget: { callsPerWindow: 100, windowMs: 10, maxConcurrent: 5 }, client: { timeoutMs: 30_000 } });
  try {
    const client = createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamo.endpoint });
    const tableName = 'chaos';
    await ensureTable(client, tableName);
    const store = new Store({ tableName, client });
    const clock = new ManualClock(Date.now());
    const listId = 9003;
    instance.sandbox.addList('chaos', listId);
    const destination = await saveDestination(
      store,
      { munchkinId: instance.munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'chaos', listId, startDate: new Date(clock.now() - 60_000).toISOString() }] },
      clock,
    );
    const everyone = people('chaos', size);
    const leaving = everyone.slice(0, Math.floor(size / 10));
    let killed = 0;
    let generation = 0;
    /** Spawns a runner; kills it after `killAfterMs` unless it finished first. Returns whether it was killed. */
    const runner = (killAfterMs: number | undefined) =>
      new Promise<boolean>((resolve, reject) => {
        generation += 1;
        const child = spawn(process.execPath, ['--import', 'tsx', 'bench/chaos-runner-child.ts'], {
          env: {
            ...process.env,
            CHAOS_TABLE: tableName,
            CHAOS_DYNAMO: dynamo.endpoint,
            CHAOS_MUNCHKIN: instance.munchkinId,
            CHAOS_REST: instance.sandbox.baseUrl,
            CHAOS_IDENTITY: instance.sandbox.identityUrl,
            // Past every lease an earlier (killed) runner could hold.
            CHAOS_NOW: String(clock.now() + generation * 3_600_000),
            CHAOS_OWNER: `chaos-${generation}`,
            LOG_LEVEL: 'SILENT',
          },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        child.once('error', reject);
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          if (signal === 'SIGKILL') return resolve(true);
          if (code === 0) return resolve(false);
          reject(new Error(`chaos runner exited with ${code}: ${out}`));
        });
      });
    const phase = async (name: string, killsHere: number) => {
      for (let round = 0; round < killsHere; round += 1) {
        if (await runner(100 + Math.floor(Math.random() * 1_400))) killed += 1;
        else break; // finished before its kill: nothing left to interrupt
      }
      await runner(undefined);
      progress(`chaos: ${name} done (${killed} kills so far)`);
    };

    for (let start = 0; start < size; start += 1_000) await deliver(store, clock, destination, realize('chaos', everyone.slice(start, start + 1_000)));
    await phase(`${size} people in`, Math.ceil(kills / 2));
    await deliver(store, clock, destination, exit('chaos', leaving));
    await phase(`${leaving.length} people out`, Math.floor(kills / 2));

    const [status] = (await destinationStatus({ store, clock, config: parseConfig({}) }, destination)).audiences;
    const inList = listEmails(instance.sandbox, listId).length;
    const pending = await pendingCount(store, instance.munchkinId);
    const duplicates = instance.sandbox.duplicateEmails().length;
    const addedDrift = Math.abs((status?.added ?? 0) - size);
    const removedDrift = Math.abs((status?.removed ?? 0) - leaving.length);
    const note = `${killed} kill -9; status added ${status?.added}, removed ${status?.removed}; list holds ${inList} (expected ${size - leaving.length}); ${pending} pending; ${duplicates} duplicate leads`;
    progress(`chaos: ${note}`);
    return [
      { group: 'chaos', name: `status "added" vs people really added, after ${killed} kill -9`, value: addedDrift, unit: 'people', bound: 0, kind: 'max', note },
      { group: 'chaos', name: 'status "removed" vs people really removed', value: removedDrift, unit: 'people', bound: 0, kind: 'max' },
      { group: 'chaos', name: 'list size vs the audience', value: Math.abs(inList - (size - leaving.length)), unit: 'people', bound: 0, kind: 'max' },
      { group: 'chaos', name: 'people left pending or created twice', value: pending + duplicates, unit: 'people', bound: 0, kind: 'max' },
    ];
  } finally {
    await instance.sandbox.stop();
    await dynamo.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
