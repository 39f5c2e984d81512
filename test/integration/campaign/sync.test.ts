import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
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

  it('applies once: keeps the change set, publishes it once, and a second run is an empty change set', async () => {
    const store = await freshStore('campaign-apply');
    await world.setUp({ store });
    const first = await world.sync({ store });
    expect(first).toMatchObject({ status: 'completed', changeSet: { outcome: 'applied', empty: false } });
    const links = await readLinks(store, ACCOUNT);
    expect(links).toEqual([
      { operatorGroup: 'admin', profiles: [demoProfiles.admin], emails: [demo.imsUsers.orgAdmin.email] },
      { operatorGroup: 'analyst', profiles: [demoProfiles.analyst], emails: analysts },
    ]);
    const events = await world.ports(store).publisher.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'orgbridge.campaign', detail: first.status === 'completed' ? first.changeSet : {} });

    const second = await world.sync({ store });
    expect(second).toMatchObject({ status: 'completed', changeSet: { outcome: 'applied', empty: true, linksAdded: [], usersAdded: [], usersRemoved: [] } });
    expect(await world.ports(store).publisher.events()).toHaveLength(1);
    expect(await lastChangeSets(store, ACCOUNT, 10)).toHaveLength(1);
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

  it('applies no removal when they exceed the cap, and reports removal_cap_exceeded', async () => {
    const store = await freshStore('campaign-cap');
    await world.setUp({ store, account: { removalCapPerRun: 2 } });
    await world.sync({ store });
    // A mis-typed mask: nothing matches any more, so every one of the 4 users would go.
    await world.setUp({ store, account: { removalCapPerRun: 2, associationMask: 'Campaign - demo_tenent - (.*)' } });
    const capped = await world.sync({ store });
    expect(capped).toMatchObject({ status: 'completed', changeSet: { outcome: 'removal_cap_exceeded', removals: { count: 4, cap: 2, applied: false } } });
    expect((await readLinks(store, ACCOUNT)).flatMap((link) => link.emails)).toHaveLength(4);

    await world.setUp({ store, account: { removalCapPerRun: 10, associationMask: 'Campaign - demo_tenent - (.*)' } });
    const applied = await world.sync({ store });
    expect(applied).toMatchObject({ status: 'completed', changeSet: { outcome: 'applied', removals: { count: 4, applied: true } } });
    expect(await readLinks(store, ACCOUNT)).toEqual([]);
  });

  it('lets one of two concurrent runs work and tells the other the account is busy', async () => {
    const store = await freshStore('campaign-lock');
    await world.setUp({ store });
    const results = await Promise.all([world.sync({ store }), world.sync({ store })]);
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
