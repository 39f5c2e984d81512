import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptActivation } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { keys } from '#functions/push-clone/core/model.ts';
import { demo } from '#local/demo-identities.ts';
import { createLogger } from '#shared/logging/logger.ts';
import { toErrorResponse } from '#shared/http/index.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { dynamoEndpoint } from '#test/support/dynamo.ts';
import { manyProfiles } from '#test/unit/push-clone/parser-profiles.ts';
import { pushCloneWorld, saveTestDestination, type PushCloneWorld } from './setup-world';

/**
 * DynamoDB Local never throttles, so the throttling answer is injected where
 * DynamoDB would give it: in the SDK client under a real Store, for one kind
 * of request. Everything of ours runs as in production.
 */
function throttlingStore(tableName: string, errorName: string, when: (input: Record<string, unknown>) => boolean): Store {
  const client = createDynamoClient({ AWS_REGION: 'us-east-1', DYNAMODB_ENDPOINT: dynamoEndpoint() });
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Record<string, unknown>;
      if (when(input)) throw new DynamoDBServiceException({ name: errorName, $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate of requests exceeds the allowed throughput.' });
      return next(args);
    },
    { step: 'initialize', name: 'injectThrottling' },
  );
  return new Store({ tableName, client });
}

describe('activation webhook when DynamoDB throttles', () => {
  let world: PushCloneWorld;
  beforeAll(async () => {
    world = await pushCloneWorld('push-throttle');
    await saveTestDestination(world, 'throttled', { name: 'Throttled', personCreationMode: 'createMissing', audiences: [{ audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' }] });
  });
  afterAll(() => world.stop());

  const delivery = { destinationId: 'throttled', authorization: `Bearer ${demo.aepWebhookToken}`, imsOrgId: demo.org.id, body: JSON.stringify(manyProfiles(20, 'aud-1')) };
  const inbox = () => world.ports.store.queryAll({ partition: keys.inboxPartition(world.munchkinId), consistent: true });

  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'])(
    'answers 503 (which AEP retries), never 400, when the inbox write meets %s',
    async (errorName) => {
      const store = throttlingStore(world.ports.store.tableName, errorName, (input) => 'RequestItems' in input);
      const attempt = acceptActivation({ ...world.ports, store }, delivery);
      await expect(attempt).rejects.toMatchObject({ status: 503, code: 'store_throttled' });
      const response = toErrorResponse(await attempt.catch((error: unknown) => error), undefined, createLogger('test'));
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(await inbox()).toHaveLength(0);
    },
  );

  it('answers 503 when the work marker cannot be set, and the retried delivery is kept', async () => {
    const store = throttlingStore(world.ports.store.tableName, 'ThrottlingException', (input) => 'UpdateExpression' in input);
    await expect(acceptActivation({ ...world.ports, store }, delivery)).rejects.toMatchObject({ status: 503 });
    const retried = await acceptActivation(world.ports, delivery);
    expect(retried.accepted).toBe(20);
    expect(await world.ports.store.get(keys.workMarker(world.munchkinId))).toMatchObject({ version: 1 });
  });
});
