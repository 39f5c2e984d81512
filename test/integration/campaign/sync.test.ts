import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { demoCampaign } from '#local/sandboxes/campaign/index.ts';
import { WRITE_BATCH } from '#functions/campaign/core/campaign-apply.ts';
import { SoapCampaignDirectory } from '#functions/campaign/core/campaign-connector.ts';
import { lastChangeSets, readLinks } from '#functions/campaign/core/history.ts';
import { runSync } from '#functions/campaign/core/sync.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { ACCOUNT, demoProfiles, startCampaignWorld, type CampaignWorld } from './world';

const analysts = ['ana.lyst@example.com', demo.imsUsers.member.email, demo.imsUsers.unverified.email].sort();

describe('Campaign sync against the seeded UMAPI sandbox', () => {
  let world: CampaignWorld;
  beforeAll(async () => {
    world = await startCampaignWorld('campaign-sync');
  });
  afterAll(async () => {
    await world.stop();
  });
  beforeEach(() => {
    world.campaign.reset();
  });
  const writeCalls = () => world.campaign.methodCalls.filter((call) => call.method === 'xtk:session#WriteCollection').length;

  it('computes the desired links from the seeded profiles, reports unmatched profiles and warnings, and a dry run writes nothing', async () => {
    const store = await freshStore('campaign-dry');
    await world.setUp({ store });
    const before = await store.queryAll({ partition: `CAMPAIGN#${ACCOUNT}` });
    const result = await world.sync({ store, dryRun: true });
    expect(result.status).toBe('completed');
    if (result.status !== 'completed') return;
    const { changeSet } = result;
    expect(changeSet).toMatchObject({ outcome: 'dry_run', dryRun: true, empty: false });
    expect(changeSet.linksAdded).toEqual([
      { operatorGroup: 'admin', profile: demoProfiles.admin },
      { operatorGroup: 'analyst', profile: demoProfiles.analyst },
    ]);
    expect(changeSet.usersAdded).toEqual([
      { operatorGroup: 'admin', emails: [demo.imsUsers.orgAdmin.email] },
      { operatorGroup: 'analyst', emails: analysts },
    ]);
    // deliverability has no operator group: reported, never created.
    expect(changeSet.unmatchedProfiles).toEqual([{ profile: demoProfiles.deliverability, captured: 'deliverability' }]);
    expect(changeSet.warnings.map((warning) => [warning.code, warning.operatorGroup])).toEqual([['admin_operator_group', 'admin']]);
    expect(await store.queryAll({ partition: `CAMPAIGN#${ACCOUNT}` })).toEqual(before);
    expect(await world.ports(store).publisher.events()).toEqual([]);
  });

  it('applies to Campaign exactly as the change set says, records it per link, and a second run changes nothing', async () => {
    const store = await freshStore('campaign-apply');
    await world.setUp({ store });
    const untouched = { admin: world.campaign.instance.membersOf('admin'), viewer: world.campaign.instance.membersOf('viewer') };
    const first = await world.sync({ store });
    if (first.status !== 'completed') throw new Error('sync did not complete');
    expect(first.changeSet).toMatchObject({ outcome: 'applied', empty: false });
    // Campaign now has exactly the links the change set adds; links made by hand or by Campaign stay.
    expect(world.campaign.instance.membersOf('analyst')).toEqual(['ana.lyst@example.com', demo.imsUsers.member.email]);
    expect(world.campaign.instance.membersOf('admin')).toEqual([...untouched.admin, demo.imsUsers.orgAdmin.email].sort());
    expect(world.campaign.instance.membersOf('viewer')).toEqual(untouched.viewer);
    expect(first.changeSet.campaign).toMatchObject({ sent: 3, counts: { added: 3, operator_not_found: 1 } });
    expect(first.changeSet.campaign?.links).toContainEqual({ operatorGroup: 'analyst', email: demoCampaign.missingOperator, action: 'add', status: 'operator_not_found' });
    // Our record holds what Campaign has: the missing operator is not in it, so the next run tries again.
    expect(await readLinks(store, ACCOUNT)).toEqual([
      { operatorGroup: 'admin', profiles: [demoProfiles.admin], emails: [demo.imsUsers.orgAdmin.email] },
      { operatorGroup: 'analyst', profiles: [demoProfiles.analyst], emails: ['ana.lyst@example.com', demo.imsUsers.member.email] },
    ]);
    const events = await world.ports(store).publisher.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'orgbridge.campaign', detail: first.changeSet });

    const writesBefore = writeCalls();
    const second = await world.sync({ store });
    if (second.status !== 'completed') throw new Error('sync did not complete');
    // The missing operator is reported again (and tried again), but nothing is sent and nothing is kept or published.
    expect(second.changeSet).toMatchObject({ outcome: 'applied', empty: true, linksAdded: [], usersRemoved: [], usersAdded: [{ operatorGroup: 'analyst', emails: [demoCampaign.missingOperator] }] });
    expect(second.changeSet.campaign).toMatchObject({ sent: 0, counts: { operator_not_found: 1 } });
    expect(writeCalls()).toBe(writesBefore);
    expect(world.campaign.instance.membersOf('analyst')).toEqual(['ana.lyst@example.com', demo.imsUsers.member.email]);
    expect(await world.ports(store).publisher.events()).toHaveLength(1);
    expect(await lastChangeSets(store, ACCOUNT, 10)).toHaveLength(1);

    // Once Campaign has the operator (first Adobe ID login), the next sync links it.
    world.campaign.instance.addOperator({ name: demoCampaign.missingOperator });
    const third = await world.sync({ store });
    expect(third).toMatchObject({ status: 'completed', changeSet: { empty: false, campaign: { sent: 1, counts: { added: 1 } } } });
    expect(world.campaign.instance.membersOf('analyst')).toContain(demoCampaign.missingOperator);
  });

  it('revokes at the next sync: a user removed from the profile loses the operator group link in Campaign', async () => {
    const store = await freshStore('campaign-revoke');
    await world.setUp({ store });
    await world.sync({ store });
    expect(world.campaign.instance.membersOf('analyst')).toContain('ana.lyst@example.com');
    const org = world.umapi.directory.org(demo.org.id);
    const ana = org.user('ana.lyst@example.com');
    org.addUser({ email: 'ana.lyst@example.com', groups: (ana?.groups ?? []).filter((group) => group !== demoProfiles.analyst) });
    try {
      world.clock.advance(60_000);
      const next = await world.sync({ store });
      expect(next).toMatchObject({ status: 'completed', changeSet: { outcome: 'applied', usersRemoved: [{ operatorGroup: 'analyst', emails: ['ana.lyst@example.com'] }], campaign: { sent: 1, counts: { removed: 1 } } } });
      expect(world.campaign.instance.membersOf('analyst')).toEqual([demo.imsUsers.member.email]);
      expect((await readLinks(store, ACCOUNT)).find((link) => link.operatorGroup === 'analyst')?.emails).toEqual([demo.imsUsers.member.email]);
    } finally {
      org.addUser({ email: 'ana.lyst@example.com', firstname: 'Ana', lastname: 'Lyst', groups: ana?.groups ?? [] });
    }
  });

  it('reports a missing operator group and never creates it', async () => {
    const store = await freshStore('campaign-missing-group');
    // deliverability is an operator group orgbridge is told about, but Campaign has none.
    await world.setUp({ store, operatorGroups: ['analyst', 'admin', 'deliverability'] });
    const result = await world.sync({ store });
    if (result.status !== 'completed') throw new Error('sync did not complete');
    expect(result.changeSet.campaign?.counts.group_not_found).toBe(2);
    expect(world.campaign.instance.groupNamed('deliverability')).toBeUndefined();
    // The profile's link to the group is recorded; none of its users is, so each run tries them again.
    expect((await readLinks(store, ACCOUNT)).find((link) => link.operatorGroup === 'deliverability')?.emails).toEqual([]);
  });

  it('sends nothing on a dry run but reads Campaign to say what would happen', async () => {
    const store = await freshStore('campaign-dry-campaign');
    await world.setUp({ store });
    const writesBefore = writeCalls();
    const dry = await world.sync({ store, dryRun: true });
    expect(dry).toMatchObject({ status: 'completed', changeSet: { outcome: 'dry_run', campaign: { sent: 0, counts: { not_sent: 3, operator_not_found: 1 } } } });
    expect(writeCalls()).toBe(writesBefore);
    expect(world.campaign.instance.membersOf('analyst')).toEqual([]);
  });

  it('retries a partial apply without repeating what succeeded', async () => {
    const store = await freshStore('campaign-partial');
    await world.setUp({ store });
    world.umapi.addManyUsers(demo.org.id, WRITE_BATCH + 20, { prefix: 'bulk', groups: [demoProfiles.analyst] });
    for (let index = 0; index < WRITE_BATCH + 20; index += 1) world.campaign.instance.addOperator({ name: `bulk${index}@example.com` });
    try {
      // The first batch is written, then Campaign goes away for the rest of the run.
      const realWrite = SoapCampaignDirectory.prototype.write;
      let writes = 0;
      SoapCampaignDirectory.prototype.write = async function (this: SoapCampaignDirectory, changes) {
        writes += 1;
        if (writes > 1) world.campaign.server.failNext('503', '503', '503');
        return realWrite.call(this, changes);
      };
      let partial;
      try {
        partial = await world.sync({ store });
      } finally {
        SoapCampaignDirectory.prototype.write = realWrite;
      }
      if (partial.status !== 'completed') throw new Error('sync did not complete');
      const total = WRITE_BATCH + 20 + 3;
      expect(partial.changeSet).toMatchObject({ outcome: 'partially_applied', campaign: { sent: WRITE_BATCH, counts: { added: WRITE_BATCH, failed: total - WRITE_BATCH }, error: { code: 'campaign_unavailable' } } });
      expect(await world.ports(store).publisher.events()).toHaveLength(1);
      // The next run sends only what failed.
      const retry = await world.sync({ store });
      expect(retry).toMatchObject({ status: 'completed', changeSet: { outcome: 'applied', campaign: { sent: total - WRITE_BATCH, counts: { added: total - WRITE_BATCH } } } });
      expect(world.campaign.instance.membersOf('analyst')).toHaveLength(WRITE_BATCH + 20 + 2);
      const again = await world.sync({ store });
      expect(again).toMatchObject({ status: 'completed', changeSet: { empty: true, campaign: { sent: 0 } } });
    } finally {
      const org = world.umapi.directory.org(demo.org.id);
      for (let index = 0; index < WRITE_BATCH + 20; index += 1) org.removeUser(`bulk${index}@example.com`);
    }
  });

  it('publishes a change set whose publishing failed on the next run, once', async () => {
    const store = await freshStore('campaign-republish');
    await world.setUp({ store });
    const outbox = world.ports(store).publisher;
    const failing = { publish: async () => Promise.reject(new Error('event bus unavailable')) };
    await expect(runSync({ ...world.ports(store), publisher: failing }, ACCOUNT, { dryRun: false })).rejects.toThrow('event bus unavailable');
    expect(await outbox.events()).toEqual([]);
    const next = await world.sync({ store });
    expect(next).toMatchObject({ status: 'completed', changeSet: { empty: true } });
    const events = await outbox.events();
    expect(events).toHaveLength(1);
    expect(events[0]?.detail.usersAdded.map((group) => group.operatorGroup)).toEqual(['admin', 'analyst']);
    await world.sync({ store });
    expect(await outbox.events()).toHaveLength(1);
  });

  it('applies no removal when they exceed the cap, in Campaign as in its record, and reports removal_cap_exceeded', async () => {
    const store = await freshStore('campaign-cap');
    await world.setUp({ store, account: { removalCapPerRun: 2 } });
    await world.sync({ store });
    const applied = { analyst: world.campaign.instance.membersOf('analyst'), admin: world.campaign.instance.membersOf('admin') };
    // A mis-typed mask: nothing matches any more, so every one of the 3 linked users would go.
    await world.setUp({ store, account: { removalCapPerRun: 2, associationMask: 'Campaign - demo_tenent - (.*)' } });
    const capped = await world.sync({ store });
    expect(capped).toMatchObject({ status: 'completed', changeSet: { outcome: 'removal_cap_exceeded', removals: { count: 3, cap: 2, applied: false } } });
    expect((await readLinks(store, ACCOUNT)).flatMap((link) => link.emails)).toHaveLength(3);
    expect({ analyst: world.campaign.instance.membersOf('analyst'), admin: world.campaign.instance.membersOf('admin') }).toEqual(applied);

    await world.setUp({ store, account: { removalCapPerRun: 10, associationMask: 'Campaign - demo_tenent - (.*)' } });
    const removed = await world.sync({ store });
    expect(removed).toMatchObject({ status: 'completed', changeSet: { outcome: 'applied', removals: { count: 3, applied: true }, campaign: { sent: 3, counts: { removed: 3 } } } });
    expect(await readLinks(store, ACCOUNT)).toEqual([]);
    expect(world.campaign.instance.membersOf('analyst')).toEqual([]);
    // Campaign's own Administrator link was never ours to remove.
    expect(world.campaign.instance.membersOf('admin')).toEqual(['admin']);
  });

  it('lets one of two concurrent runs work and tells the other the account is busy', async () => {
    const store = await freshStore('campaign-lock');
    await world.setUp({ store });
    // Slow UMAPI answers keep the first run inside its lease while the second asks for it, however the machine schedules the two.
    world.umapi.server.latencyMs = 100;
    const results = await Promise.all([world.sync({ store }), world.sync({ store })]).finally(() => {
      world.umapi.server.latencyMs = 0;
    });
    expect(results.map((result) => result.status).sort()).toEqual(['busy', 'completed']);
    expect(await world.ports(store).publisher.events()).toHaveLength(1);
  });

  it('matches case-insensitively only when the account opts in, and warns about duplicates and surrounding spaces', async () => {
    world.umapi.addGroup(demo.org.id, { groupName: 'campaign - DEMO_TENANT - Analyst', type: 'PRODUCT_PROFILE', productName: 'Adobe Campaign' });
    world.umapi.addGroup(demo.org.id, { groupName: 'Campaign - demo_tenant - analyst ', type: 'PRODUCT_PROFILE', productName: 'Adobe Campaign' });
    world.umapi.addUser(demo.org.id, { email: 'Case.Person@Example.com', groups: ['campaign - DEMO_TENANT - Analyst'] });
    try {
      const store = await freshStore('campaign-case');
      await world.setUp({ store });
      const sensitive = await world.sync({ store, dryRun: true });
      if (sensitive.status !== 'completed') throw new Error('sync did not complete');
      expect(sensitive.changeSet.usersAdded.find((group) => group.operatorGroup === 'analyst')?.emails).toEqual(analysts);
      expect(sensitive.changeSet.unmatchedProfiles).toContainEqual({ profile: 'Campaign - demo_tenant - analyst ', captured: 'analyst ' });
      expect(sensitive.changeSet.warnings.map((warning) => warning.code)).toContain('surrounding_spaces');

      await world.setUp({ store, account: { caseInsensitive: true } });
      const insensitive = await world.sync({ store, dryRun: true });
      if (insensitive.status !== 'completed') throw new Error('sync did not complete');
      expect(insensitive.changeSet.usersAdded.find((group) => group.operatorGroup === 'analyst')?.emails).toEqual([...analysts, 'case.person@example.com'].sort());
      const duplicate = insensitive.changeSet.warnings.find((warning) => warning.code === 'duplicate_operator_group');
      expect(duplicate).toMatchObject({ operatorGroup: 'analyst', profiles: [demoProfiles.analyst, 'campaign - DEMO_TENANT - Analyst'].sort() });
    } finally {
      world.umapi.directory.org(demo.org.id).removeUser('Case.Person@Example.com');
    }
  });
});
