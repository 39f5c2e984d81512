import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destinationStatus } from '#functions/push-clone/core/outcomes/destination-status.ts';
import { ManualClock } from '#shared/clock.ts';
import { parseConfig } from '#shared/config/index.ts';
import type { MarketoClient } from '#shared/marketo/index.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { dynamoEndpoint, freshStore } from '#test/support/dynamo.ts';
import { deliver, exit, listEmails, people, realize, run, saveDestination, sorted, startInstance, type Instance } from './runner-world';

/**
 * DynamoDB's global secondary indexes are eventually consistent: for a moment
 * after a write-back took a person out of the work queue, a query of gsi1 may
 * still list them. DynamoDB Local's index is never late, so the lag is put
 * where DynamoDB has it: under a real Store, each gsi1 query is answered as
 * the index stood at the previous identical query (one query behind).
 */
function laggingIndexStore(tableName: string): { store: Store; staleAnswers: () => number } {
  const client = createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamoEndpoint() });
  const previous = new Map<string, unknown>();
  let stale = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { IndexName?: string };
      if (input.IndexName !== 'gsi1') return next(args);
      const key = JSON.stringify(args.input);
      const fresh = await next(args);
      const earlier = previous.get(key);
      previous.set(key, fresh);
      if (earlier === undefined) return fresh;
      stale += 1;
      return earlier as typeof fresh;
    },
    { step: 'initialize', name: 'laggingIndex' },
  );
  return { store: new Store({ tableName, client }), staleAnswers: () => stale };
}

/** The real client, recording each lead ID every list change sent to Marketo. */
function recording(client: MarketoClient): { client: MarketoClient; sent: string[] } {
  const sent: string[] = [];
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if ((property !== 'addToList' && property !== 'removeFromList') || typeof value !== 'function') return value;
      return async (listId: number, ids: number[]) => {
        for (const id of ids) sent.push(`${property}:${listId}:${id}`);
        return (value as (listId: number, ids: number[]) => Promise<unknown>).call(target, listId, ids);
      };
    },
  });
  return { client: proxy, sent };
}

const duplicatesOf = (values: readonly string[]) => [...new Set(values.filter((value, index) => values.indexOf(value) !== index))];

describe('a runner never sends the same person\'s change twice without a crash', () => {
  let instance: Instance;
  let tableName: string;
  beforeAll(async () => {
    tableName = (await freshStore('push-no-double-send')).tableName;
    instance = await startInstance();
  });
  afterAll(() => instance.sandbox.stop());

  it('even when the work-queue index still lists people an earlier pass already wrote back', async () => {
    const { store, staleAnswers } = laggingIndexStore(tableName);
    const clock = new ManualClock(Date.now());
    const { munchkinId, sandbox } = instance;
    sandbox.addList('no double send', 7001);
    const destination = await saveDestination(store, { munchkinId, mode: 'createMissing', audiences: [{ audienceId: 'a1', listId: 7001, startDate: new Date(clock.now() - 60_000).toISOString() }] }, clock);
    const { client, sent } = recording(instance.client);
    const ports = { store, clock, marketo: client };

    await deliver(store, clock, destination, realize('a1', people('twice', 30)));
    expect((await run(ports, munchkinId, { batchSize: 10 })).stoppedBy).toBe('done');
    await deliver(store, clock, destination, exit('a1', people('twice', 10)));
    expect((await run(ports, munchkinId, { batchSize: 10 })).stoppedBy).toBe('done');

    // The index did answer late: later passes were shown people already written back.
    expect(staleAnswers()).toBeGreaterThan(0);
    expect(duplicatesOf(sent)).toEqual([]);
    expect(sent.filter((entry) => entry.startsWith('addToList')).length).toBe(30);
    expect(sent.filter((entry) => entry.startsWith('removeFromList')).length).toBe(10);
    expect(listEmails(sandbox, 7001)).toEqual(sorted(people('twice', 20, 10)));
    const [status] = (await destinationStatus({ store, clock, config: parseConfig({}) }, destination)).audiences;
    expect(status).toMatchObject({ added: 30, removed: 10, pending: 0 });
  });
});
