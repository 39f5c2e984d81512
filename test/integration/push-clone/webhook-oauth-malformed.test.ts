import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '#functions/push-clone/handler-webhook.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { pushCloneWorld, type PushCloneWorld } from './setup-world';

const CLIENT = { clientId: 'aep-destination', clientSecret: 'aep-client-secret-0123456789' };

describe('the webhook token endpoint with malformed client authentication', () => {
  let world: PushCloneWorld;
  beforeAll(async () => {
    world = await pushCloneWorld('push-webhook-oauth-malformed');
  });
  afterAll(() => world.stop());

  const requestToken = async (authorization: string | undefined, form: Record<string, string> = { grant_type: 'client_credentials' }) => {
    const response = (await handler(
      apiEvent({
        method: 'POST',
        path: '/push-clone/oauth/token',
        routeKey: 'POST /push-clone/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
        body: new URLSearchParams(form).toString(),
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> };
  };
  const basicOf = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

  it('answers 401 invalid_client (RFC 6749), not 500, when no OAuth client is configured', async () => {
    expect(await requestToken(basicOf(`${CLIENT.clientId}:${CLIENT.clientSecret}`))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    await world.ports.secrets.put(world.ports.config.WEBHOOK_OAUTH_CLIENT_SECRET_NAME, 'not json');
    expect(await requestToken(basicOf(`${CLIENT.clientId}:${CLIENT.clientSecret}`))).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it.each([
    ['a bad percent escape in the id', basicOf('a%:b')],
    ['a bad percent escape in the secret', basicOf('aep-destination:%zz')],
    ['no colon', basicOf('aep-destination')],
    ['an empty id', basicOf(':secret')],
    ['text that is not base64', 'Basic !!!not-base64!!!'],
    ['nothing after Basic', 'Basic'],
  ])('refuses %s with 401 invalid_client', async (_case, authorization) => {
    await world.ports.secrets.put(world.ports.config.WEBHOOK_OAUTH_CLIENT_SECRET_NAME, JSON.stringify(CLIENT));
    const refused = await requestToken(authorization);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client' });
  });

  it('still decodes a well-formed escape (RFC 6749 §2.3.1: the id and secret are form-urlencoded)', async () => {
    const issued = await requestToken(basicOf(`aep%2Ddestination:${encodeURIComponent(CLIENT.clientSecret)}`));
    expect(issued.status).toBe(200);
  });
});
