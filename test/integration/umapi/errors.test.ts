import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { USER_MANAGEMENT_SCOPES } from '#shared/ims/index.ts';
import { UmapiClient, UmapiRejectedError } from '#shared/umapi/index.ts';
import { collect, rawGet, startUmapi, type UmapiWorld } from './world';

const org = encodeURIComponent(demo.org.id);

describe('UMAPI error answers', () => {
  let world: UmapiWorld;
  beforeAll(async () => {
    world = await startUmapi();
  });
  afterAll(async () => {
    await world.stop();
  });
  beforeEach(() => {
    world.clock.advance(60_000);
  });

  it('answers 401 with no body and a Bearer invalid_token challenge', async () => {
    const response = await fetch(`${world.umapi.apiBaseUrl()}/groups/${org}/0`, { headers: { authorization: 'Bearer forged', 'x-api-key': demo.serverToServerClient.clientId } });
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('');
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it('answers 403 with no body when the API key is missing or another credential', async () => {
    for (const apiKey of [undefined, 'someone-else']) {
      const response = await rawGet(world, `/groups/${org}/0`, apiKey === undefined ? { 'x-api-key': '' } : { 'x-api-key': apiKey });
      expect(response.status).toBe(403);
      expect(await response.text()).toBe('');
    }
  });

  it('binds a credential to its own org: 403 with no body on any other org, as UMAPI does', async () => {
    expect((await rawGet(world, `/groups/${org}/0`)).status).toBe(200);
    for (const foreign of [demo.otherOrg.id, 'FFFFFFFFFFFFFFFFFFFFFFFF@AdobeOrg']) {
      const response = await rawGet(world, `/groups/${encodeURIComponent(foreign)}/0`);
      expect(response.status).toBe(403);
      expect(await response.text()).toBe('');
      const user = await rawGet(world, `/organizations/${encodeURIComponent(foreign)}/users/${encodeURIComponent(demo.imsUsers.otherOrgAdmin.email)}`);
      expect(user.status).toBe(403);
    }
  });

  it('answers 429 with Retry-After and the documented body {"error_code":"429050","message":"Too many requests"}', async () => {
    world.umapi.server.failNext('429');
    const response = await rawGet(world, `/groups/${org}/0`);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await response.json()).toEqual({ error_code: '429050', message: 'Too many requests' });
  });

  it('answers 400 error.organization.invalid_id to a malformed org ID', async () => {
    const response = await rawGet(world, '/groups/not-an-org/0');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ result: 'error.organization.invalid_id' });
  });

  it('answers 404 error.group.not_found for an unknown group, which the client reports as a configuration error', async () => {
    const response = await rawGet(world, `/users/${org}/0/No%20such%20profile`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ result: 'error.group.not_found' });
    const error = await collect(world.client().usersInGroup('No such profile')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UmapiRejectedError);
    expect(error).toMatchObject({ httpStatus: 404, result: 'error.group.not_found' });
  });

  it('maps 401 and 403 to UmapiRejectedError without tokens in the message', async () => {
    const token = 'eyJnot.a.token';
    const badToken = new UmapiClient({ baseUrl: world.umapi.apiBaseUrl(), orgId: demo.org.id, apiKey: demo.serverToServerClient.clientId, token: async () => token });
    const error = await badToken.user(demo.imsUsers.member.email).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'UmapiRejectedError', httpStatus: 401 });
    expect((error as Error).message).not.toContain(token);
    const wrongKey = world.client({ apiKey: 'someone-else' });
    await expect(wrongKey.user(demo.imsUsers.member.email)).rejects.toMatchObject({ httpStatus: 403 });
  });

  it('fetches a fresh token once after a 401 when told how to drop the old one', async () => {
    const stale = await world.s2s.clientCredentialsToken(USER_MANAGEMENT_SCOPES);
    await fetch(`${world.ims.server.baseUrl}/ims/revoke`, { method: 'POST', body: new URLSearchParams({ token: stale }) });
    let rejections = 0;
    const client = world.client({
      onTokenRejected: () => {
        rejections += 1;
        world.s2s.forgetClientCredentialsToken(USER_MANAGEMENT_SCOPES);
      },
    });
    expect(await client.user(demo.imsUsers.member.email)).toMatchObject({ email: demo.imsUsers.member.email });
    expect(rejections).toBe(1);
    expect(await world.s2s.clientCredentialsToken(USER_MANAGEMENT_SCOPES)).not.toBe(stale);
  });
});
