import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '#functions/push-clone/handler-webhook.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { rotateCredential, webhookCredentialSecretName } from '#functions/push-clone/core/setup/webhook-credentials.ts';
import { demo } from '#local/demo-identities.ts';
import { pushCloneWorld, saveTestDestination, type PushCloneWorld } from './setup-world';

const DESTINATION = 'malformed-oauth';

describe('the webhook token endpoint with malformed client authentication', () => {
  let world: PushCloneWorld;
  let client: { clientId: string; clientSecret: string };
  beforeAll(async () => {
    world = await pushCloneWorld('push-webhook-oauth-malformed');
    await saveTestDestination(world, DESTINATION, { name: 'Malformed', audiences: [{ audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' }] });
  });
  afterAll(() => world.stop());

  const requestToken = async (authorization: string | undefined, form: Record<string, string> = { grant_type: 'client_credentials' }) => {
    const response = (await handler(
      apiEvent({
        method: 'POST',
        path: `/push-clone/destinations/${DESTINATION}/oauth/token`,
        routeKey: 'POST /push-clone/destinations/{destinationId}/oauth/token',
        pathParameters: { destinationId: DESTINATION },
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
        body: new URLSearchParams(form).toString(),
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
  };
  const basicOf = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

  it('answers 401 invalid_client (RFC 6749), not 500, when the destination has no OAuth client or its secret is unreadable', async () => {
    expect(await requestToken(basicOf('aep-destination:aep-client-secret-0123456789'))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const saved = await world.ports.secrets.get(webhookCredentialSecretName(DESTINATION));
    await world.ports.secrets.put(webhookCredentialSecretName(DESTINATION), 'not json');
    expect(await requestToken(basicOf('aep-destination:aep-client-secret-0123456789'))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    await world.ports.secrets.put(webhookCredentialSecretName(DESTINATION), saved);
    const rotated = await rotateCredential(world.ports, DESTINATION, 'oauth', 0);
    if (rotated.kind !== 'oauth') throw new Error('expected an OAuth client');
    client = { clientId: rotated.clientId, clientSecret: rotated.clientSecret };
  });

  it.each([
    ['a bad percent escape in the id', basicOf('a%:b')],
    ['a bad percent escape in the secret', basicOf('aep-destination:%zz')],
    ['no colon', basicOf('aep-destination')],
    ['an empty id', basicOf(':secret')],
    ['text that is not base64', 'Basic !!!not-base64!!!'],
    ['nothing after Basic', 'Basic'],
  ])('refuses %s with 401 invalid_client', async (_case, authorization) => {
    const refused = await requestToken(authorization);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client' });
  });

  it('still decodes a well-formed escape (RFC 6749 §2.3.1: the id and secret are form-urlencoded)', async () => {
    const escapedId = client.clientId.replace(/-/g, '%2D');
    const issued = await requestToken(basicOf(`${escapedId}:${encodeURIComponent(client.clientSecret)}`));
    expect(issued.status).toBe(200);
  });
});
