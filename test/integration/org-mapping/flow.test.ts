import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { readOrgMapping } from '#shared/instances/org-mapping-store.ts';
import { adminToken } from '#test/support/local-ports.ts';
import { api, callback, CALLBACK, mapThroughPopup, PUBLIC_BASE_URL, registerInstance, startOrgMappingWorld, type OrgMappingWorld } from './world';

const { orgAdmin, member, otherOrgAdmin, unverified } = demo.imsUsers;

describe('Adobe Organization Mapping through the IMS popup', () => {
  let world: OrgMappingWorld;
  beforeAll(async () => {
    world = await startOrgMappingWorld('org-mapping-flow');
  });
  afterAll(() => world.stop());

  it('maps an instance when an org admin with the same email signs in, and keeps no IMS token', async () => {
    await registerInstance(world.ports, '100-AAA-001');
    const { started, redirect, result } = await mapThroughPopup('100-AAA-001', demo.org.id.toLowerCase().replace('@adobeorg', '@AdobeOrg'), orgAdmin);

    const authorize = new URL(started.authorizeUrl as string);
    expect(authorize.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('state')!.length).toBeGreaterThanOrEqual(43);
    expect(authorize.searchParams.get('nonce')).toBeTruthy();
    expect(`${redirect.origin}${redirect.pathname}`).toBe(CALLBACK);

    expect(result.status).toBe(200);
    expect(result.outcome).toBe('mapped');
    expect(result.headers['cache-control']).toBe('no-store');
    expect(result.headers['content-security-policy']).toMatch(/script-src 'nonce-[^']+'/);
    expect(result.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(result.html).toContain(`var origin = "${PUBLIC_BASE_URL}"`);
    expect(result.html).toContain('postMessage(result, origin)');
    expect(result.html).not.toContain("'*'");

    const view = await api('GET', '100-AAA-001');
    expect(view.body).toMatchObject({ status: 'mapped', imsOrgId: demo.org.id, readOnly: false, available: true });
    expect(view.body.confirmed).toMatchObject({ imsOrgId: demo.org.id, marketoUserEmail: demo.marketo.adminEmail });
    expect(view.body.confirmed.adobeUserSub).toMatch(/@AdobeID$/);

    const everything = JSON.stringify(await world.ports.store.queryAll({ partition: 'INSTANCE#100-AAA-001' }));
    expect(everything).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
    expect(everything).not.toContain('access_token');
  });

  it('refuses a replayed callback and leaves the mapping as it was', async () => {
    await registerInstance(world.ports, '100-AAA-002');
    const { redirect } = await mapThroughPopup('100-AAA-002', demo.org.id, orgAdmin);
    const before = await readOrgMapping(world.ports.store, '100-AAA-002');
    const replay = await callback(redirect.search.slice(1));
    expect(replay.status).toBe(400);
    expect(replay.outcome).toBe('state_invalid');
    // No trusted origin is known for a state we did not issue: the page posts nothing.
    expect(replay.html).toContain('var origin = null');
    expect(await readOrgMapping(world.ports.store, '100-AAA-002')).toEqual(before);
  });

  it.each([
    ['a plain member of the org', member, member.email, 'not_org_admin', 403],
    ['a user whose Adobe email is not verified', unverified, unverified.email, 'email_not_verified', 403],
    ['an Adobe user whose email differs from the Marketo user', member, demo.marketo.adminEmail, 'email_mismatch', 403],
    ['an admin of another org only', otherOrgAdmin, otherOrgAdmin.email, 'org_not_among_user_orgs', 403],
  ])('refuses %s with its own reason and keeps the confirmed mapping', async (_label, person, marketoEmail, reason, status) => {
    const munchkinId = `200-BBB-${String(Math.floor(Math.random() * 900) + 100)}`;
    await registerInstance(world.ports, munchkinId);
    await mapThroughPopup(munchkinId, demo.org.id, orgAdmin);
    const confirmedBefore = (await readOrgMapping(world.ports.store, munchkinId))?.confirmed;
    expect(confirmedBefore?.imsOrgId).toBe(demo.org.id);

    const { result } = await mapThroughPopup(munchkinId, demo.org.id, person, marketoEmail);
    expect(result.outcome).toBe(reason);
    expect(result.status).toBe(status);
    const view = await api('GET', munchkinId);
    expect(view.body.status).toBe('failed');
    expect(view.body.lastAttempt).toMatchObject({ status: 'failed', reason });
    expect(view.body.lastAttempt.message).toBeTruthy();
    expect(view.body.confirmed).toEqual(confirmedBefore);
  });

  it('records the IMS error parameter as the reason and changes nothing else', async () => {
    await registerInstance(world.ports, '300-CCC-001');
    world.ims.failAuthorizeWith({ error: 'access_denied', description: 'The user cancelled' });
    try {
      await api('PUT', '300-CCC-001', { body: { imsOrgId: demo.org.id } });
      const started = await api('POST', '300-CCC-001', { confirm: true });
      const page = await fetch(started.body.authorizeUrl as string, { redirect: 'manual' });
      const location = new URL(page.headers.get('location')!);
      expect(location.searchParams.get('error')).toBe('access_denied');
      const result = await callback(location.search.slice(1));
      expect(result.outcome).toBe('ims_error');
      expect((await api('GET', '300-CCC-001')).body).toMatchObject({ status: 'failed', lastAttempt: { reason: 'ims_error' } });
      expect((await readOrgMapping(world.ports.store, '300-CCC-001'))?.confirmed).toBeUndefined();
    } finally {
      world.ims.failAuthorizeWith(undefined);
    }
  });

  it('answers a forged state and a missing state with a clear page and no write', async () => {
    const forged = await callback('code=abc&state=forged-state-value');
    expect(forged.outcome).toBe('state_invalid');
    expect(forged.status).toBe(400);
    const missing = await callback('code=abc');
    expect(missing.outcome).toBe('state_missing');
  });

  it('answers 502 with a clear page when IMS cannot be reached for the code exchange, and keeps the old mapping', async () => {
    await registerInstance(world.ports, '400-DDD-001');
    await mapThroughPopup('400-DDD-001', demo.org.id, orgAdmin);
    await api('PUT', '400-DDD-001', { body: { imsOrgId: demo.otherOrg.id } });
    const started = await api('POST', '400-DDD-001', { confirm: true });
    const { signIn } = await import('#test/integration/ims/sign-in.ts');
    const signedIn = await signIn(started.body.authorizeUrl as string, orgAdmin);
    world.ims.server.failNext('503', '503', '503', '503');
    const result = await callback(signedIn.location!.search.slice(1));
    world.ims.server.clearFaults();
    expect(result.status).toBe(502);
    expect(result.outcome).toBe('ims_unavailable');
    expect((await readOrgMapping(world.ports.store, '400-DDD-001'))?.confirmed?.imsOrgId).toBe(demo.org.id);
  });

  it('keeps the confirmed mapping when a re-mapping to another org fails', async () => {
    await registerInstance(world.ports, '500-EEE-001');
    await mapThroughPopup('500-EEE-001', demo.org.id, orgAdmin);
    // The demo org admin is not a member of the other org.
    const { result } = await mapThroughPopup('500-EEE-001', demo.otherOrg.id, orgAdmin);
    expect(result.outcome).toBe('org_not_among_user_orgs');
    const view = await api('GET', '500-EEE-001');
    expect(view.body.confirmed.imsOrgId).toBe(demo.org.id);
    expect(view.body.imsOrgId).toBe(demo.org.id);
    expect(view.body.draft.imsOrgId).toBe(demo.otherOrg.id);
  });

  it('refuses HIPAA-ready instances and shows onboarded org IDs read-only', async () => {
    await registerInstance(world.ports, '600-FFF-001', { hipaaReady: true });
    const hipaa = await api('PUT', '600-FFF-001', { body: { imsOrgId: demo.org.id } });
    expect(hipaa.status).toBe(403);
    expect(hipaa.body.error.code).toBe('hipaa_ready_instance');
    expect((await api('GET', '600-FFF-001')).body.available).toBe(false);

    await registerInstance(world.ports, '600-FFF-002', { onboardedImsOrgId: demo.org.id });
    const onboarded = await api('PUT', '600-FFF-002', { body: { imsOrgId: demo.otherOrg.id } });
    expect(onboarded.status).toBe(409);
    expect(onboarded.body.error.code).toBe('org_id_read_only');
    expect((await api('POST', '600-FFF-002', { confirm: true })).body.error.code).toBe('org_id_read_only');
    expect((await api('GET', '600-FFF-002')).body).toMatchObject({ readOnly: true, imsOrgId: demo.org.id, status: 'mapped' });
  });

  it('refuses at the callback an instance that became HIPAA-ready after Confirm', async () => {
    await registerInstance(world.ports, '600-FFF-003');
    await api('PUT', '600-FFF-003', { body: { imsOrgId: demo.org.id } });
    const started = await api('POST', '600-FFF-003', { confirm: true });
    await registerInstance(world.ports, '600-FFF-003', { hipaaReady: true });
    const { signIn } = await import('#test/integration/ims/sign-in.ts');
    const signedIn = await signIn(started.body.authorizeUrl as string, orgAdmin);
    const result = await callback(signedIn.location!.search.slice(1));
    expect(result.outcome).toBe('hipaa_ready_instance');
    expect((await readOrgMapping(world.ports.store, '600-FFF-003'))?.confirmed).toBeUndefined();
  });

  it.each([
    ['a malformed org ID', 'PUT', { imsOrgId: 'ABC@AdobeOrg' }, 400, 'validation_failed'],
    ['Confirm before an org ID was entered', 'CONFIRM', undefined, 409, 'org_id_not_entered'],
  ])('answers %s with a clear error and stores nothing', async (_label, action, body, status, code) => {
    await registerInstance(world.ports, '700-GGG-001');
    const response = action === 'PUT' ? await api('PUT', '700-GGG-001', { body }) : await api('POST', '700-GGG-001', { confirm: true });
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(await readOrgMapping(world.ports.store, '700-GGG-001')).toBeUndefined();
  });

  it('answers an unknown instance with 404, a missing token with 401, and a token without the permission with 403', async () => {
    expect((await api('GET', '999-ZZZ-999')).status).toBe(404);
    expect((await api('GET', '100-AAA-001', { token: 'garbage' })).status).toBe(401);
    const noPermission = await adminToken({ permissions: ['marketo-admin'] });
    expect((await api('PUT', '100-AAA-001', { token: noPermission, body: { imsOrgId: demo.org.id } })).status).toBe(403);
  });
});
