import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateWebhook, ISSUED_TOKEN_TTL_SECONDS, issueWebhookToken } from '#functions/push-clone/core/webhook-auth.ts';
import { handler } from '#functions/push-clone/handler-webhook.ts';
import { demo } from '#local/demo-identities.ts';
import { ManualClock } from '#shared/clock.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { aepProfile } from '#test/unit/push-clone/parser-profiles.ts';
import { pushCloneWorld, saveTestDestination, type PushCloneWorld } from './setup-world';

const CLIENT = { clientId: 'aep-destination', clientSecret: 'aep-client-secret-0123456789' };

describe('the webhook with OAuth 2 client credentials', () => {
  let world: PushCloneWorld;
  beforeAll(async () => {
    world = await pushCloneWorld('push-webhook-oauth');
    await world.ports.secrets.put(world.ports.config.WEBHOOK_OAUTH_CLIENT_SECRET_NAME, JSON.stringify(CLIENT));
    await saveTestDestination(world, 'oauth', { name: 'OAuth', personCreationMode: 'createMissing', audiences: [{ audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' }] });
  });
  afterAll(() => world.stop());

  const requestToken = async (form: Record<string, string>, authorization?: string) => {
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
    return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body ?? '{}') as Record<string, any> };
  };
  const activate = async (bearer: string) => {
    const profile = aepProfile({ emails: ['oauth.person@example.com'], audiences: { 'aud-1': { status: 'realized', at: '2026-01-02T08:15:00.000+0000' } } });
    const response = (await handler(
      apiEvent({
        method: 'POST',
        path: '/push-clone/destinations/oauth/activations',
        routeKey: 'POST /push-clone/destinations/{destinationId}/activations',
        pathParameters: { destinationId: 'oauth' },
        headers: { authorization: `Bearer ${bearer}` },
        body: JSON.stringify([profile]),
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    return response.statusCode;
  };
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('issues an access token to the client (HTTP Basic) that the webhook accepts', async () => {
    const issued = await requestToken({ grant_type: 'client_credentials' }, basic(CLIENT.clientId, CLIENT.clientSecret));
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'bearer', expires_in: ISSUED_TOKEN_TTL_SECONDS });
    expect(issued.headers['cache-control']).toBe('no-store');
    expect(await activate(issued.body.access_token as string)).toBe(200);
  });

  it('accepts client credentials as form fields too', async () => {
    const issued = await requestToken({ grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    expect(issued.status).toBe(200);
    expect(await activate(issued.body.access_token as string)).toBe(200);
  });

  it('answers a wrong secret with 401 invalid_client, in the RFC 6749 format', async () => {
    const refused = await requestToken({ grant_type: 'client_credentials' }, basic(CLIENT.clientId, 'not-the-secret-at-all-000'));
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client' });
    expect(refused.headers['www-authenticate']).toContain('Basic');
    expect(JSON.stringify(refused.body)).not.toContain(CLIENT.clientSecret);
  });

  it('refuses other grants with 400 unsupported_grant_type', async () => {
    const refused = await requestToken({ grant_type: 'password', username: 'a', password: 'b' }, basic(CLIENT.clientId, CLIENT.clientSecret));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unsupported_grant_type');
  });

  it('refuses an issued token once it has expired, and one signed with another key', async () => {
    const clock = new ManualClock(Date.now());
    const ports = { ...world.ports, clock };
    const issued = await issueWebhookToken(ports, { authorization: basic(CLIENT.clientId, CLIENT.clientSecret), form: new URLSearchParams({ grant_type: 'client_credentials' }) });
    if (!issued.ok) throw new Error('token not issued');
    await expect(authenticateWebhook(ports, `Bearer ${issued.accessToken}`)).resolves.toBeUndefined();
    clock.advance((ISSUED_TOKEN_TTL_SECONDS + 1) * 1000);
    await expect(authenticateWebhook(ports, `Bearer ${issued.accessToken}`)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });

    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('orgbridge')
      .setAudience('orgbridge-aep-activation-webhook')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('a-key-that-is-not-ours-0123456789abcdef'));
    expect(await activate(forged)).toBe(401);
  });

  it('revokes every issued token when the webhook token is rotated', async () => {
    const issued = await requestToken({ grant_type: 'client_credentials' }, basic(CLIENT.clientId, CLIENT.clientSecret));
    await world.ports.secrets.put(world.ports.config.WEBHOOK_TOKEN_SECRET_NAME, 'rotated-webhook-token-0123456789abcdef');
    try {
      expect(await activate(issued.body.access_token as string)).toBe(401);
    } finally {
      await world.ports.secrets.put(world.ports.config.WEBHOOK_TOKEN_SECRET_NAME, world.webhookToken);
    }
  });
});
