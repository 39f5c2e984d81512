import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateWebhook, ISSUED_TOKEN_TTL_SECONDS, issueWebhookToken } from '#functions/push-clone/core/intake/webhook-auth.ts';
import { rotateCredential } from '#functions/push-clone/core/setup/webhook-credentials.ts';
import { handler as apiHandler } from '#functions/push-clone/handler-api.ts';
import { handler } from '#functions/push-clone/handler-webhook.ts';
import { demo } from '#local/demo-identities.ts';
import { ManualClock } from '#shared/clock.ts';
import { callHandler } from '#test/support/http-events.ts';
import { adminToken } from '#test/support/local-ports.ts';
import { destinationFixture, storeDestination } from '#test/support/push-clone-fixtures.ts';
import { aepProfile } from '#test/unit/push-clone/parser-profiles.ts';
import { giveWebhookToken, pushCloneWorld, saveTestDestination, type PushCloneWorld } from './setup-world';

/**
 * Webhook credentials are per destination (one tenant per credential): bearer
 * tokens and OAuth clients are created and rotated through the admin API, a
 * credential for one destination is refused on every other, and the org
 * header is required. Changed from the single global token and OAuth client.
 */
describe('webhook credentials, one destination each', () => {
  let world: PushCloneWorld;
  let client: { clientId: string; clientSecret: string; tokenUrl: string };
  const OTHER_TENANT_TOKEN = 'token-of-another-tenant-0123456789abcdefghij';
  beforeAll(async () => {
    world = await pushCloneWorld('push-webhook-oauth');
    const audiences = [{ audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' }];
    await saveTestDestination(world, 'oauth', { name: 'OAuth', personCreationMode: 'createMissing', audiences });
    // Another tenant: another instance, another org, its own token.
    await storeDestination(world.ports.store, destinationFixture({ destinationId: 'tenant-b', munchkinId: '999-ZZZ-999', imsOrgId: demo.otherOrg.id }));
    await giveWebhookToken(world.ports.secrets, 'tenant-b', OTHER_TENANT_TOKEN);
    const created = await admin('POST', 'oauth', { kind: 'oauth' });
    expect(created.status).toBe(201);
    client = created.body as typeof client;
  });
  afterAll(() => world.stop());

  async function admin(method: 'GET' | 'POST', destinationId: string, body?: unknown) {
    return callHandler(apiHandler, {
      method,
      path: `/push-clone/destinations/${destinationId}/webhook-credentials`,
      routeKey: `${method} /push-clone/destinations/{destinationId}/webhook-credentials`,
      pathParameters: { destinationId },
      headers: { authorization: `Bearer ${await adminToken()}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
  const requestToken = (form: Record<string, string>, authorization?: string, destinationId = 'oauth') =>
    callHandler(handler, {
      method: 'POST',
      path: `/push-clone/destinations/${destinationId}/oauth/token`,
      routeKey: 'POST /push-clone/destinations/{destinationId}/oauth/token',
      pathParameters: { destinationId },
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
      body: new URLSearchParams(form).toString(),
    });
  const activate = async (bearer: string, options: { destinationId?: string; org?: string | null } = {}) => {
    const destinationId = options.destinationId ?? 'oauth';
    const profile = aepProfile({ emails: ['oauth.person@example.com'], audiences: { 'aud-1': { status: 'realized', at: '2026-01-02T08:15:00.000+0000' } } });
    const org = options.org === undefined ? demo.org.id : options.org;
    const answer = await callHandler(handler, {
      method: 'POST',
      path: `/push-clone/destinations/${destinationId}/activations`,
      routeKey: 'POST /push-clone/destinations/{destinationId}/activations',
      pathParameters: { destinationId },
      headers: { authorization: `Bearer ${bearer}`, ...(org === null ? {} : { 'x-gw-ims-org-id': org }) },
      body: JSON.stringify([profile]),
    });
    return { status: answer.status, body: answer.text };
  };
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

  it('creates an OAuth client through the admin API, answered once with its token URL', async () => {
    expect(client.clientId).toMatch(/^oauth-/);
    expect(client.clientSecret.length).toBeGreaterThanOrEqual(32);
    expect(client.tokenUrl).toMatch(/\/push-clone\/destinations\/oauth\/oauth\/token$/);
    const listed = await admin('GET', 'oauth');
    expect(listed.body.oauthClients).toEqual([expect.objectContaining({ clientId: client.clientId })]);
    expect(JSON.stringify(listed.body)).not.toContain(client.clientSecret);
    expect(JSON.stringify(listed.body)).not.toContain(world.webhookToken);
  });

  it('issues an access token to the client (HTTP Basic) that the webhook accepts', async () => {
    const issued = await requestToken({ grant_type: 'client_credentials' }, basic(client.clientId, client.clientSecret));
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'bearer', expires_in: ISSUED_TOKEN_TTL_SECONDS });
    expect(issued.headers['cache-control']).toBe('no-store');
    expect((await activate(issued.body.access_token as string)).status).toBe(200);
  });

  it('accepts client credentials as form fields too', async () => {
    const issued = await requestToken({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret });
    expect(issued.status).toBe(200);
    expect((await activate(issued.body.access_token as string)).status).toBe(200);
  });

  it('answers a wrong secret with 401 invalid_client, in the RFC 6749 format', async () => {
    const refused = await requestToken({ grant_type: 'client_credentials' }, basic(client.clientId, 'not-the-secret-at-all-000'));
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client' });
    expect(refused.headers['www-authenticate']).toContain('Basic');
    expect(JSON.stringify(refused.body)).not.toContain(client.clientSecret);
  });

  it('refuses other grants with 400 unsupported_grant_type', async () => {
    const refused = await requestToken({ grant_type: 'password', username: 'a', password: 'b' }, basic(client.clientId, client.clientSecret));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unsupported_grant_type');
  });

  it('refuses an issued token once it has expired, and one signed with another key', async () => {
    const clock = new ManualClock(Date.now());
    const ports = { ...world.ports, clock };
    const issued = await issueWebhookToken(ports, 'oauth', { authorization: basic(client.clientId, client.clientSecret), form: new URLSearchParams({ grant_type: 'client_credentials' }) });
    if (!issued.ok) throw new Error('token not issued');
    await expect(authenticateWebhook(ports, 'oauth', `Bearer ${issued.accessToken}`)).resolves.toBeUndefined();
    clock.advance((ISSUED_TOKEN_TTL_SECONDS + 1) * 1000);
    await expect(authenticateWebhook(ports, 'oauth', `Bearer ${issued.accessToken}`)).rejects.toMatchObject({ status: 401, code: 'invalid_token' });

    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: client.clientId })
      .setIssuer('orgbridge')
      .setAudience('orgbridge-aep-activation-webhook/oauth')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('a-key-that-is-not-ours-0123456789abcdef'));
    expect((await activate(forged)).status).toBe(401);
  });

  it("refuses one destination's bearer token, OAuth client and access token on another, saying nothing about the other tenant", async () => {
    const onOther = await activate(world.webhookToken, { destinationId: 'tenant-b', org: demo.otherOrg.id });
    expect(onOther.status).toBe(401);
    const otherOnOurs = await activate(OTHER_TENANT_TOKEN);
    expect(otherOnOurs.status).toBe(401);
    for (const body of [onOther.body, otherOnOurs.body]) {
      expect(body).not.toContain('999-ZZZ-999');
      expect(body).not.toContain(demo.otherOrg.id);
      expect(body).not.toContain(demo.marketo.munchkinId);
      expect(body).not.toContain(demo.org.id);
    }
    const issued = await requestToken({ grant_type: 'client_credentials' }, basic(client.clientId, client.clientSecret));
    expect((await activate(issued.body.access_token as string, { destinationId: 'tenant-b', org: demo.otherOrg.id })).status).toBe(401);
    expect((await requestToken({ grant_type: 'client_credentials' }, basic(client.clientId, client.clientSecret), 'tenant-b')).status).toBe(401);
    // A destination that does not exist answers exactly as a wrong token does: no existence oracle.
    expect((await activate(world.webhookToken, { destinationId: 'no-such-destination' })).status).toBe(401);
  });

  it('requires the x-gw-ims-org-id header and refuses another org, unless the destination opted out', async () => {
    const missing = await activate(world.webhookToken, { org: null });
    expect(missing.status).toBe(403);
    expect(JSON.parse(missing.body).error.code).toBe('ims_org_required');
    const wrong = await activate(world.webhookToken, { org: demo.otherOrg.id });
    expect(wrong.status).toBe(403);
    expect(wrong.body).not.toContain(demo.org.id);
    await saveTestDestination(world, 'no-org-header', {
      name: 'Opted out',
      requireImsOrgHeader: false,
      audiences: [{ audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' }],
    });
    expect((await activate(world.webhookToken, { destinationId: 'no-org-header', org: null })).status).toBe(200);
    expect((await activate(world.webhookToken, { destinationId: 'no-org-header', org: demo.otherOrg.id })).status).toBe(403);
  });

  it('rotates a bearer token with an overlap: both work until the overlap ends, then only the new one', async () => {
    const clock = new ManualClock(Date.now());
    const ports = { ...world.ports, clock };
    const first = await rotateCredential(ports, 'rotating', 'bearer', 3600);
    const second = await rotateCredential(ports, 'rotating', 'bearer', 60);
    if (first.kind !== 'bearer' || second.kind !== 'bearer') throw new Error('bearer tokens expected');
    expect(second.previousValidUntil).toBe(new Date(clock.now() + 60_000).toISOString());
    await expect(authenticateWebhook(ports, 'rotating', `Bearer ${first.token}`)).resolves.toBeUndefined();
    await expect(authenticateWebhook(ports, 'rotating', `Bearer ${second.token}`)).resolves.toBeUndefined();
    clock.advance(61_000);
    await expect(authenticateWebhook(ports, 'rotating', `Bearer ${first.token}`)).rejects.toMatchObject({ status: 401 });
    await expect(authenticateWebhook(ports, 'rotating', `Bearer ${second.token}`)).resolves.toBeUndefined();
  });

  it('ends the access tokens of an OAuth client with its overlap', async () => {
    const clock = new ManualClock(Date.now());
    const ports = { ...world.ports, clock };
    const old = await rotateCredential(ports, 'rotating-oauth', 'oauth', 0);
    if (old.kind !== 'oauth') throw new Error('oauth client expected');
    const issued = await issueWebhookToken(ports, 'rotating-oauth', { authorization: basic(old.clientId, old.clientSecret), form: new URLSearchParams({ grant_type: 'client_credentials' }) });
    if (!issued.ok) throw new Error('token not issued');
    await rotateCredential(ports, 'rotating-oauth', 'oauth', 120);
    clock.advance(60_000);
    await expect(authenticateWebhook(ports, 'rotating-oauth', `Bearer ${issued.accessToken}`)).resolves.toBeUndefined();
    clock.advance(61_000);
    await expect(authenticateWebhook(ports, 'rotating-oauth', `Bearer ${issued.accessToken}`)).rejects.toMatchObject({ status: 401 });
  });
});
