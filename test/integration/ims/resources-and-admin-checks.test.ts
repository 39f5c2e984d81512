import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { createUmapiSandbox, type UmapiSandbox } from '#local/sandboxes/umapi/index.ts';
import {
  createPkcePair,
  ImsRejectedError,
  ImsUnavailableError,
  ORG_MAPPING_SCOPES,
  ProfileRolesOrgAdminCheck,
  randomToken,
  USER_MANAGEMENT_SCOPES,
  UserManagementOrgAdminCheck,
} from '#shared/ims/index.ts';
import { UmapiClient } from '#shared/umapi/index.ts';
import { REDIRECT_URI, signIn, startIms, type ImsWorld } from './sign-in';

type DemoUser = (typeof demo.imsUsers)[keyof typeof demo.imsUsers];

describe('IMS resources and the two org-admin checks', () => {
  let world: ImsWorld;
  let umapi: UmapiSandbox;
  beforeAll(async () => {
    world = await startIms();
    umapi = createUmapiSandbox({ validateToken: (token) => world.ims.introspect(token), clock: world.clock });
    await umapi.server.start();
  });
  afterAll(async () => {
    await Promise.all([world.ims.server.stop(), umapi.server.stop()]);
  });

  async function signedIn(user: DemoUser, scope: string[] = ORG_MAPPING_SCOPES): Promise<{ accessToken: string; sub: string }> {
    const pkce = createPkcePair();
    const nonce = randomToken();
    const url = world.web.authorizeUrl({ redirectUri: REDIRECT_URI, scope, state: randomToken(), nonce, codeChallenge: pkce.challenge });
    const code = (await signIn(url, user)).location?.searchParams.get('code') ?? '';
    const tokens = await world.web.exchangeCode({ code, codeVerifier: pkce.verifier, redirectUri: REDIRECT_URI });
    const { sub } = await world.web.verifyIdToken(tokens.idToken ?? '', { nonce });
    return { accessToken: tokens.accessToken, sub };
  }

  it('returns userinfo with the email verification flag as IMS projects it', async () => {
    const verified = await world.web.userInfo((await signedIn(demo.imsUsers.orgAdmin)).accessToken);
    expect(verified).toMatchObject({ email: demo.imsUsers.orgAdmin.email, emailVerified: true, name: 'Morgan Admin', givenName: 'Morgan', familyName: 'Admin' });
    const unverified = await world.web.userInfo((await signedIn(demo.imsUsers.unverified)).accessToken);
    expect(unverified.emailVerified).toBe(false);
  });

  it('lists the user organizations with org IDs built as ident@authSrc', async () => {
    const orgs = await world.web.organizations((await signedIn(demo.imsUsers.orgAdmin)).accessToken);
    expect(orgs).toEqual([{ orgId: demo.org.id, orgName: demo.org.name, orgType: 'Enterprise', groups: ['Campaign - demo_tenant - admin', 'Marketing Ops'] }]);
  });

  it('refuses organizations without the read_organizations scope', async () => {
    const { accessToken } = await signedIn(demo.imsUsers.orgAdmin, ['openid', 'email']);
    await expect(world.web.organizations(accessToken)).rejects.toMatchObject({ name: 'ImsRejectedError', httpStatus: 403 });
  });

  it('lists org_admin profile roles only with the additional_info.roles scope', async () => {
    const roles = await world.web.profileRoles((await signedIn(demo.imsUsers.orgAdmin)).accessToken);
    expect(roles).toEqual([{ namedRole: 'org_admin', organization: demo.org.id, target: demo.org.id, targetType: 'TRG_ORG' }]);
    const withoutScope = await world.web.profileRoles((await signedIn(demo.imsUsers.orgAdmin, ['openid', 'email'])).accessToken);
    expect(withoutScope).toEqual([]);
  });

  it('gets the same answer from both org-admin checks for the four demo people', async () => {
    const ims = world.s2s;
    const umapiClient = new UmapiClient({
      baseUrl: umapi.apiBaseUrl(),
      orgId: demo.org.id,
      apiKey: demo.serverToServerClient.clientId,
      token: () => ims.clientCredentialsToken(USER_MANAGEMENT_SCOPES),
      now: () => world.clock.now(),
    });
    const byProfile = new ProfileRolesOrgAdminCheck(world.web);
    const byUserManagement = new UserManagementOrgAdminCheck((orgId) => (orgId === demo.org.id ? umapiClient : undefined));
    const answers: Record<string, [boolean, boolean]> = {};
    for (const [name, user] of Object.entries(demo.imsUsers)) {
      const { accessToken, sub } = await signedIn(user);
      const input = { orgId: demo.org.id, accessToken, sub, email: user.email };
      answers[name] = [await byProfile.isOrgAdmin(input), await byUserManagement.isOrgAdmin(input)];
    }
    expect(answers).toEqual({ orgAdmin: [true, true], member: [false, false], otherOrgAdmin: [false, false], unverified: [false, false] });
  });

  it('sees a change of admin rights through the sandbox helpers', async () => {
    world.ims.directory.setOrgAdmin(demo.imsUsers.member.email, demo.org.id, true);
    try {
      const { accessToken, sub } = await signedIn(demo.imsUsers.member);
      expect(await new ProfileRolesOrgAdminCheck(world.web).isOrgAdmin({ orgId: demo.org.id.toLowerCase(), accessToken, sub, email: '' })).toBe(true);
    } finally {
      world.ims.directory.setOrgAdmin(demo.imsUsers.member.email, demo.org.id, false);
    }
  });

  it('mints one server-to-server token per scope set and reuses it until near expiry', async () => {
    const s2s = world.clientFor(demo.serverToServerClient);
    const before = world.ims.callCount('/ims/token/v3');
    const first = await Promise.all([s2s.clientCredentialsToken(['openid', 'AdobeID', 'user_management_sdk']), s2s.clientCredentialsToken('user_management_sdk,openid,AdobeID')]);
    expect(first[0]).toBe(first[1]);
    world.clock.advance(23 * 3_600_000);
    expect(await s2s.clientCredentialsToken(USER_MANAGEMENT_SCOPES)).toBe(first[0]);
    expect(world.ims.callCount('/ims/token/v3') - before).toBe(1);
    world.clock.advance(3_600_000 - 4 * 60_000);
    const renewed = await s2s.clientCredentialsToken(USER_MANAGEMENT_SCOPES);
    expect(renewed).not.toBe(first[0]);
    expect(world.ims.callCount('/ims/token/v3') - before).toBe(2);
    expect(world.ims.introspect(renewed)).toMatchObject({ clientId: demo.serverToServerClient.clientId, scopes: expect.arrayContaining(['user_management_sdk']) });
  });

  it('refuses client credentials for scopes the credential does not hold', async () => {
    await expect(world.s2s.clientCredentialsToken(['creative_sdk'])).rejects.toMatchObject({ name: 'ImsRejectedError', imsError: 'invalid_scope' });
    await expect(world.s2s.clientCredentialsToken(['creative_sdk'])).rejects.toBeInstanceOf(ImsRejectedError);
  });

  it('turns 500, 503 and a hung IMS into ImsUnavailableError', async () => {
    for (const fault of ['500', '503'] as const) {
      world.ims.server.failNext(fault);
      const error = await world.s2s.clientCredentialsToken(['openid', fault]).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ImsUnavailableError);
      expect(error).toMatchObject({ httpStatus: Number(fault) });
    }
    world.ims.server.failNext('timeout');
    const hung = await world.clientFor(demo.orgbridgeImsClient, 200).userInfo('any-token').catch((caught: unknown) => caught);
    expect(hung).toBeInstanceOf(ImsUnavailableError);
    expect((hung as Error).message).toContain('no answer within 200 ms');
  });
});
