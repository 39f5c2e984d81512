import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkReadiness } from '#functions/health/core/readiness.ts';
import { handler as liveness } from '#functions/health/handler.ts';
import { handler as readiness } from '#functions/health/handler-ready.ts';
import { activations } from '#functions/push-clone/webhook-routes.ts';
import { freePort } from '#local/dynamodb-local.ts';
import { resetConfigCache } from '#shared/config/index.ts';
import { resetDefaultPorts, type Ports } from '#shared/runtime/ports.ts';
import { AwsSecretStore } from '#shared/secrets/aws-secret-store.ts';
import { Store } from '#shared/store/index.ts';
import { createDynamoClient } from '#shared/store/dynamo-client.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { useLocalPorts } from '#test/support/local-ports.ts';
import { startMoto, type Moto } from '#test/support/moto.ts';
import { giveWebhookToken } from '#test/integration/push-clone/setup-world.ts';

const WEBHOOK_TOKEN = 'readiness-webhook-token-0123456789';

const call = async (handler: typeof readiness, path: string, routeKey = `GET ${path}`, extra: Parameters<typeof apiEvent>[0] = { path }) =>
  (await handler(apiEvent({ ...extra, path, routeKey }), lambdaContext())) as APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };

/** Nothing listens there: DynamoDB (or Secrets Manager) "down" as a laptop or a VPC without a route sees it. */
const closedEndpoint = async () => `http://127.0.0.1:${await freePort()}`;

describe('liveness and readiness', () => {
  let ports: Ports;
  let moto: Moto;

  beforeAll(async () => {
    ports = await useLocalPorts('readiness');
    await ports.secrets.put(ports.config.ADMIN_JWT_SECRET_NAME, WEBHOOK_TOKEN);
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto.stop();
    resetConfigCache();
    resetDefaultPorts();
  });

  it('answers ready when the table and the secret store answer', async () => {
    const response = await call(readiness, '/health/ready');
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(String(response.body))).toEqual({ status: 'ready', service: 'orgbridge', checks: { store: { status: 'up' }, secrets: { status: 'up' } } });
  });

  it('with DynamoDB down: liveness stays 200, readiness answers 503 naming the table, the webhook answers 503 with Retry-After', async () => {
    await useLocalPorts('readiness-store-down', { DYNAMODB_ENDPOINT: await closedEndpoint() });
    const { secrets, config } = (await import('#shared/runtime/ports.ts')).defaultPorts();
    await secrets.put(config.ADMIN_JWT_SECRET_NAME, WEBHOOK_TOKEN);
    // The webhook authenticates with the destination's own credential (secret store, up) before it needs the table (down).
    await giveWebhookToken(secrets, 'any', WEBHOOK_TOKEN);

    expect((await call(liveness, '/health')).statusCode).toBe(200);

    const ready = await call(readiness, '/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.headers['retry-after']).toBe('5');
    const body = JSON.parse(String(ready.body));
    expect(body.error).toMatchObject({ code: 'not_ready', message: 'Not ready: the DynamoDB table is down.' });
    expect(body.error.details).toEqual({ status: 'not_ready', down: ['store'], checks: { store: { status: 'down', reason: 'unreachable' }, secrets: { status: 'up' } } });

    const webhook = await call(activations, '/push-clone/destinations/any/activations', 'POST /push-clone/destinations/{destinationId}/activations', {
      path: '/push-clone/destinations/any/activations',
      method: 'POST',
      pathParameters: { destinationId: 'any' },
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: '[]',
    });
    expect(webhook.statusCode).toBe(503);
    expect(webhook.headers['retry-after']).toBe('5');
    expect(JSON.parse(String(webhook.body)).error.code).toBe('dependency_unavailable');
    expect(String(webhook.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|at .*\.ts/);
  });

  it('names a missing table and a missing secret', async () => {
    const missingTable = new Store({ tableName: 'no-such-table', client: createDynamoClient(ports.config) });
    const result = await checkReadiness({ ...ports, store: missingTable, config: { ADMIN_JWT_SECRET_NAME: 'never-put' } });
    expect(result).toEqual({ ready: false, checks: { store: { status: 'down', reason: 'table_missing' }, secrets: { status: 'down', reason: 'secret_missing' } } });
  });

  it('checks Secrets Manager itself, not the container cache: a store that goes away is noticed', async () => {
    const client = new SecretsManagerClient({ region: 'us-east-1', endpoint: moto.endpoint, maxAttempts: 1 });
    const secrets = new AwsSecretStore(client, 'orgbridge/test/');
    await secrets.put(ports.config.ADMIN_JWT_SECRET_NAME, WEBHOOK_TOKEN);
    const readinessPorts = { ...ports, secrets };
    expect(await checkReadiness(readinessPorts)).toEqual({ ready: true, checks: { store: { status: 'up' }, secrets: { status: 'up' } } });
    // Warm the cache the webhook uses, then take Secrets Manager away (the last test of this file).
    await secrets.get(ports.config.ADMIN_JWT_SECRET_NAME);
    await moto.stop();
    const down = await checkReadiness(readinessPorts);
    expect(down.checks).toEqual({ store: { status: 'up' }, secrets: { status: 'down', reason: 'unreachable' } });
  });
});
