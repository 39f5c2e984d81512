import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { demoProfiles } from '#local/sandboxes/umapi/index.ts';
import { collect, rawGet, startUmapi, type UmapiWorld } from './world';

const org = encodeURIComponent(demo.org.id);

describe('UMAPI paging against the sandbox', () => {
  let world: UmapiWorld;
  beforeAll(async () => {
    world = await startUmapi({ pageSize: { groups: 3, users: 10 } });
    world.umapi.addManyUsers(demo.org.id, 23, { prefix: 'analyst', groups: [demoProfiles.analyst] });
  });
  afterAll(async () => {
    await world.stop();
  });
  beforeEach(() => {
    // A fresh rate window for each test: raw calls below bypass our budget.
    world.clock.advance(60_000);
  });

  function callsSince(before: number): number {
    return world.umapi.stats().calls - before;
  }

  it('answers a groups page past the last one with {"lastPage":true,"result":"Not found"}', async () => {
    const response = await rawGet(world, `/groups/${org}/7`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ lastPage: true, result: 'Not found' });
  });

  it('answers a users page past the last one with the last page again', async () => {
    const last = await rawGet(world, `/users/${org}/2/${encodeURIComponent(demoProfiles.analyst)}`);
    const beyond = await rawGet(world, `/users/${org}/99/${encodeURIComponent(demoProfiles.analyst)}`);
    const lastBody = await last.json();
    expect(await beyond.json()).toEqual(lastBody);
    expect(lastBody).toMatchObject({ lastPage: true, result: 'success', groupName: demoProfiles.analyst });
    expect(beyond.headers.get('x-current-page')).toBe('2');
  });

  it('sends the paging headers as strings and echoes X-Request-Id', async () => {
    const response = await rawGet(world, `/users/${org}/0/${encodeURIComponent(demoProfiles.analyst)}`, { 'x-request-id': 'trace-123' });
    expect(Object.fromEntries(['x-total-count', 'x-page-count', 'x-current-page', 'x-page-size', 'x-request-id'].map((name) => [name, response.headers.get(name)]))).toEqual({
      'x-total-count': '26',
      'x-page-count': '3',
      'x-current-page': '0',
      'x-page-size': '10',
      'x-request-id': 'trace-123',
    });
  });

  it('pages through all groups and stops on lastPage, one call per page', async () => {
    const before = world.umapi.stats().calls;
    const pages = [];
    for await (const page of world.client().groups()) pages.push(page);
    expect(pages.map((page) => [page.page, page.items.length, page.lastPage, page.nextPage])).toEqual([[0, 3, false, 1], [1, 3, false, 2], [2, 2, true, undefined]]);
    const names = pages.flatMap((page) => page.items.map((group) => group.groupName));
    expect(names).toEqual(expect.arrayContaining(['_org_admin', demoProfiles.analyst, demoProfiles.admin, demoProfiles.deliverability, demoProfiles.unrelated, demoProfiles.userGroup]));
    expect(pages[0]?.items.find((group) => group.groupName === '_org_admin')).toMatchObject({ type: 'SYSADMIN_GROUP', memberCount: 1 });
    expect(callsSince(before)).toBe(3);
  });

  it('resumes groups from a saved cursor, and ends at once on the "Not found" answer', async () => {
    const resumed = await collect(world.client().groups({ fromPage: 2 }));
    expect(resumed).toHaveLength(2);
    const before = world.umapi.stats().calls;
    const pager = world.client().groups({ fromPage: 5 });
    expect(await collect(pager)).toEqual([]);
    expect(pager.cursor).toBeUndefined();
    expect(callsSince(before)).toBe(1);
  });

  it('pages through the members of a profile without repeating anyone', async () => {
    const before = world.umapi.stats().calls;
    const users = await collect(world.client().usersInGroup(demoProfiles.analyst));
    const emails = users.map((user) => user.email);
    expect(new Set(emails).size).toBe(26);
    expect(emails).toEqual(expect.arrayContaining([demo.imsUsers.member.email, demo.imsUsers.unverified.email, 'analyst22@example.com']));
    expect(callsSince(before)).toBe(3);
  });

  it('does not loop when resuming users from a cursor past the last page', async () => {
    const before = world.umapi.stats().calls;
    const pager = world.client().usersInGroup(demoProfiles.analyst, { fromPage: 8 });
    const pages = [];
    for await (const page of pager) pages.push(page);
    expect(pages.map((page) => [page.page, page.items.length, page.lastPage])).toEqual([[8, 6, true]]);
    expect(pager.cursor).toBeUndefined();
    expect(callsSince(before)).toBe(1);
  });

  it('lists every user of the org and finds one user by email, case-insensitively', async () => {
    const everyone = await collect(world.client().users());
    expect(everyone).toHaveLength(30);
    const admin = await world.client().user(demo.imsUsers.orgAdmin.email.toUpperCase());
    expect(admin).toMatchObject({ email: demo.imsUsers.orgAdmin.email, groups: expect.arrayContaining(['_org_admin']), adminRoles: ['org'], status: 'active' });
    expect(await world.client().user('nobody@example.com')).toBeUndefined();
  });
});

describe('UMAPI paging at scale', () => {
  it('reads 5,000 members in 25 calls at the 200-user page size, within the per-minute budget', async () => {
    const world = await startUmapi();
    try {
      world.umapi.addGroup(demo.org.id, { groupName: 'Campaign - demo_tenant - big', type: 'PRODUCT_PROFILE', productName: 'Adobe Campaign' });
      world.umapi.addManyUsers(demo.org.id, 5_000, { prefix: 'bulk', groups: ['Campaign - demo_tenant - big'] });
      const users = await collect(world.client().usersInGroup('Campaign - demo_tenant - big'));
      expect(new Set(users.map((user) => user.email)).size).toBe(5_000);
      expect(world.umapi.stats()).toEqual({ calls: 25, realThrottles: 0, injectedThrottles: 0 });
    } finally {
      await world.stop();
    }
  });
});
