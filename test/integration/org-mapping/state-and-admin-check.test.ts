import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { stateKey } from '#functions/org-mapping/persistence/attempt-store.ts';
import { cancelConfirmation } from '#functions/org-mapping/core/cancel-confirmation.ts';
import { completeConfirmation } from '#functions/org-mapping/core/complete-confirmation.ts';
import { orgMappingIms } from '#functions/org-mapping/core/ims-ports.ts';
import { enterOrgId, getMappingView } from '#functions/org-mapping/core/mapping.ts';
import { startConfirmation } from '#functions/org-mapping/core/start-confirmation.ts';
import { ManualClock } from '#shared/clock.ts';
import { readOrgMapping } from '#shared/instances/org-mapping-store.ts';
import { signIn } from '#test/integration/ims/sign-in.ts';
import { api, mapThroughPopup, registerInstance, startOrgMappingWorld, type OrgMappingWorld } from './world';

describe('the single-use state', () => {
  let world: OrgMappingWorld;
  beforeAll(async () => {
    world = await startOrgMappingWorld('org-mapping-state');
  });
  afterAll(() => world.stop());

  async function startAt(clock: ManualClock, munchkinId: string) {
    await registerInstance(world.ports, munchkinId);
    const { ims, orgAdminCheck, settings } = orgMappingIms(world.ports.config, world.ports.secrets);
    const ports = { store: world.ports.store, clock, ims, orgAdminCheck, redirectUri: settings.redirectUri };
    await enterOrgId(ports, munchkinId, demo.org.id, 'test');
    const started = await startConfirmation(ports, munchkinId, demo.marketo.adminEmail, settings);
    const signedIn = await signIn(started.authorizeUrl, demo.imsUsers.orgAdmin);
    const query = Object.fromEntries(signedIn.location!.searchParams) as { code: string; state: string };
    return { ports, query };
  }

  it('refuses an expired state even while it is still in the table (TTL deletion is lazy)', async () => {
    const clock = new ManualClock(Date.now());
    const { ports, query } = await startAt(clock, '800-HHH-001');
    clock.advance(world.ports.config.ORG_MAPPING_ATTEMPT_TTL_SECONDS * 1000 + 1);
    const result = await completeConfirmation(ports, query);
    expect(result.outcome).toBe('state_expired');
    expect((await readOrgMapping(world.ports.store, '800-HHH-001'))?.confirmed).toBeUndefined();
  });

  it('lets exactly one of two simultaneous callbacks with the same state through', async () => {
    const clock = new ManualClock(Date.now());
    const { ports, query } = await startAt(clock, '800-HHH-002');
    const outcomes = (await Promise.all([completeConfirmation(ports, query), completeConfirmation(ports, query)])).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['mapped', 'state_invalid']);
  });

  it('shows an abandoned attempt (popup closed, no callback) as failed once its state expires, so Confirm comes back', async () => {
    const clock = new ManualClock(Date.now());
    await registerInstance(world.ports, '800-HHH-004');
    const { ims, settings } = orgMappingIms(world.ports.config, world.ports.secrets);
    const ports = { store: world.ports.store, clock, ims };
    await enterOrgId(ports, '800-HHH-004', demo.org.id, 'test');
    const started = await startConfirmation(ports, '800-HHH-004', demo.marketo.adminEmail, settings);
    expect((await getMappingView(ports, '800-HHH-004')).status).toBe('pending');

    clock.advance(world.ports.config.ORG_MAPPING_ATTEMPT_TTL_SECONDS * 1000 + 1);
    const view = await getMappingView(ports, '800-HHH-004');
    expect(view.status).toBe('failed');
    expect(view.lastAttempt).toMatchObject({ attemptId: started.attemptId, status: 'failed', reason: 'state_expired' });
    expect(view.lastAttempt?.message).toMatch(/expired/);
  });

  it('ends a pending attempt at once on Cancel, and its popup can no longer map anything', async () => {
    const clock = new ManualClock(Date.now());
    const { ports, query } = await startAt(clock, '800-HHH-005');
    expect((await getMappingView(ports, '800-HHH-005')).status).toBe('pending');

    const cancelled = await cancelConfirmation(ports, '800-HHH-005');
    expect(cancelled.status).toBe('failed');
    expect(cancelled.lastAttempt).toMatchObject({ status: 'failed', reason: 'cancelled' });
    expect(cancelled.draft?.imsOrgId).toBe(demo.org.id);

    // The admin signed in anyway in the abandoned popup: nothing is mapped, the reason stays "cancelled".
    const result = await completeConfirmation(ports, query);
    expect(result.outcome).toBe('cancelled');
    const mapping = await readOrgMapping(world.ports.store, '800-HHH-005');
    expect(mapping?.confirmed).toBeUndefined();
    expect(mapping?.lastAttempt).toMatchObject({ status: 'failed', reason: 'cancelled' });
    // A second Cancel changes nothing.
    expect((await cancelConfirmation(ports, '800-HHH-005')).lastAttempt?.reason).toBe('cancelled');
  });

  it('stores the state only as a hash, so a table read cannot replay it', async () => {
    const clock = new ManualClock(Date.now());
    await registerInstance(world.ports, '800-HHH-003');
    const { ims, orgAdminCheck, settings } = orgMappingIms(world.ports.config, world.ports.secrets);
    const ports = { store: world.ports.store, clock, ims, orgAdminCheck, redirectUri: settings.redirectUri };
    await enterOrgId(ports, '800-HHH-003', demo.org.id, 'test');
    const started = await startConfirmation(ports, '800-HHH-003', demo.marketo.adminEmail, settings);
    const state = new URL(started.authorizeUrl).searchParams.get('state')!;
    const stored = await world.ports.store.get(stateKey(state));
    expect(stored).toMatchObject({ attemptId: started.attemptId });
    expect(JSON.stringify(stored)).not.toContain(state);
    const { items } = await world.ports.store.query({ partition: `ORGMAP_ATTEMPT#${started.attemptId}` });
    expect(JSON.stringify(items)).not.toContain(state);
  });
});

describe('the org-admin check through the User Management API', () => {
  let world: OrgMappingWorld;
  beforeAll(async () => {
    world = await startOrgMappingWorld('org-mapping-umapi', { IMS_ORG_ADMIN_CHECK: 'user-management' });
  });
  afterAll(() => world.stop());

  it('maps for an org admin and refuses a plain member, asking UMAPI', async () => {
    await registerInstance(world.ports, '900-JJJ-001');
    const callsBefore = world.umapi.stats().calls;
    const tokenCallsBefore = world.ims.callCount('/ims/token/v3');
    const mapped = await mapThroughPopup('900-JJJ-001', demo.org.id, demo.imsUsers.orgAdmin);
    expect(mapped.result.outcome).toBe('mapped');
    expect(world.umapi.stats().calls).toBeGreaterThan(callsBefore);

    await registerInstance(world.ports, '900-JJJ-002');
    const refused = await mapThroughPopup('900-JJJ-002', demo.org.id, demo.imsUsers.member, demo.imsUsers.member.email);
    expect(refused.result.outcome).toBe('not_org_admin');
    // Two code exchanges, and one server-to-server token shared by both checks (Adobe throttles token minting).
    expect(world.ims.callCount('/ims/token/v3') - tokenCallsBefore).toBe(3);
  });

  it('refuses an org whose User Management credential orgbridge does not hold with its own permanent reason, never "try again"', async () => {
    await registerInstance(world.ports, '900-JJJ-004');
    // An org admin of the other org: UMAPI answers 403 there, as a credential sees only its own org.
    const refused = await mapThroughPopup('900-JJJ-004', demo.otherOrg.id, demo.imsUsers.otherOrgAdmin, demo.imsUsers.otherOrgAdmin.email);
    expect(refused.result.status).toBe(403);
    expect(refused.result.outcome).toBe('no_user_management_credential');
    const view = await api('GET', '900-JJJ-004');
    expect(view.body).toMatchObject({ status: 'failed', lastAttempt: { reason: 'no_user_management_credential' } });
    expect(view.body.lastAttempt.message).toContain('no User Management credential for this org');
    expect(view.body.lastAttempt.message).not.toMatch(/try again later/i);
  });

  it('ends the attempt with its own reason and a 502 page when UMAPI throttles, leaving the confirmed mapping alone', async () => {
    await registerInstance(world.ports, '900-JJJ-003');
    const first = await mapThroughPopup('900-JJJ-003', demo.org.id, demo.imsUsers.orgAdmin);
    expect(first.result.outcome).toBe('mapped');
    const before = (await readOrgMapping(world.ports.store, '900-JJJ-003'))?.confirmed;

    world.umapi.server.failNext('429');
    const throttled = await mapThroughPopup('900-JJJ-003', demo.org.id, demo.imsUsers.orgAdmin);
    expect(throttled.result.status).toBe(502);
    expect(throttled.result.outcome).toBe('org_admin_check_failed');
    expect(throttled.result.headers['content-type']).toMatch(/text\/html/);

    const after = await readOrgMapping(world.ports.store, '900-JJJ-003');
    expect(after?.confirmed).toEqual(before);
    // Not left pending: the admin page stops polling and offers Confirm again.
    expect(after?.lastAttempt).toMatchObject({ attemptId: throttled.started.attemptId, status: 'failed', reason: 'org_admin_check_failed' });
    const view = await api('GET', '900-JJJ-003');
    expect(view.body).toMatchObject({ status: 'failed', lastAttempt: { reason: 'org_admin_check_failed' } });
  });
});
