import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import { DEMO_LIST_MEMBER_COUNT, type MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import type { MarketoClient } from '#shared/marketo/client.ts';
import { MarketoConfigError } from '#shared/marketo/errors.ts';
import { clientFor, startedSandbox } from './support';

const { staticListId, emptyListId, munchkinId } = demo.marketo;

describe('Marketo static lists through the client', () => {
  let sandbox: MarketoSandbox;
  let client: MarketoClient;
  beforeAll(async () => {
    sandbox = await startedSandbox();
    client = clientFor(sandbox);
  });
  afterAll(() => sandbox.stop());

  it('reads the seeded demo lists', async () => {
    expect(await client.getList(staticListId)).toMatchObject({ id: staticListId, name: expect.any(String) });
    expect(sandbox.listMemberIds(staticListId)).toHaveLength(DEMO_LIST_MEMBER_COUNT);
    expect(sandbox.listMemberIds(emptyListId)).toEqual([]);
  });

  it('reports a missing list as a configuration error that says what to check', async () => {
    const error = await client.getList(4242).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MarketoConfigError);
    expect((error as MarketoConfigError).code).toBe('1013');
    expect((error as Error).message).toBe(`list 4242 was not found in instance ${munchkinId}: check the mapping ID`);
    await expect(client.addToList(4242, [1])).rejects.toBeInstanceOf(MarketoConfigError);
  });

  it('adds and removes members with a result per id, in order', async () => {
    const list = sandbox.addList('membership');
    const [a, b] = [sandbox.addLead({ email: 'member.a@example.com' }), sandbox.addLead({ email: 'member.b@example.com' })];
    const added = await client.addToList(list.id, [a.id, 999_999, b.id]);
    expect(added).toEqual([
      { id: a.id, status: 'added' },
      { id: 999_999, status: 'skipped', reasons: [expect.objectContaining({ code: '1004' })] },
      { id: b.id, status: 'added' },
    ]);
    expect(sandbox.listMemberIds(list.id)).toEqual([a.id, b.id]);

    const removed = await client.removeFromList(list.id, [a.id, a.id, 999_999]);
    expect(removed).toEqual([
      { id: a.id, status: 'removed' },
      { id: a.id, status: 'skipped', reasons: [expect.objectContaining({ code: '1015' })] },
      { id: 999_999, status: 'skipped', reasons: [expect.objectContaining({ code: '1004' })] },
    ]);
    expect(sandbox.listMemberIds(list.id)).toEqual([b.id]);
  });

  it('accepts ids as query parameters too', async () => {
    const list = sandbox.addList('by query');
    const lead = sandbox.addLead({ email: 'by.query@example.com' });
    const { access_token: token } = (await (
      await fetch(`${sandbox.identityUrl}/oauth/token?grant_type=client_credentials&client_id=${demo.marketo.clientId}&client_secret=${demo.marketo.clientSecret}`)
    ).json()) as { access_token: string };
    const answer = await fetch(`${sandbox.baseUrl}/rest/v1/lists/${list.id}/leads.json?id=${lead.id}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(await answer.json()).toMatchObject({ success: true, result: [{ id: lead.id, status: 'added' }] });
  });

  it('pages through members with nextPageToken', async () => {
    const list = sandbox.addList('paged');
    const ids = Array.from({ length: 7 }, (_, index) => sandbox.addLead({ email: `paged.${index}@example.com` }).id);
    sandbox.addToList(list.id, ids);
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.listMembers(list.id, { batchSize: 3, nextPageToken: token });
      seen.push(...page.leads.map((lead) => lead.id));
      token = page.nextPageToken;
      pages += 1;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('tells members from non-members and unknown leads', async () => {
    const [member] = sandbox.listMemberIds(staticListId);
    const outsider = sandbox.addLead({ email: 'outsider@example.com' });
    const answer = await client.isMember(staticListId, [member ?? 0, outsider.id, 888_888]);
    expect(answer).toEqual([
      { id: member, status: 'memberof' },
      { id: outsider.id, status: 'notmemberof' },
      { id: 888_888, status: 'skipped', reasons: [expect.objectContaining({ code: '1004' })] },
    ]);
  });

  it('counts each kind of call it makes, as the instance counts them', async () => {
    const counted = clientFor(sandbox);
    const before = sandbox.stats().callsByKind;
    await counted.getList(staticListId);
    await counted.addToList(emptyListId, [1, 2]);
    await counted.removeFromList(emptyListId, [2]);
    await counted.listMembers(emptyListId);
    await counted.isMember(emptyListId, [1]);
    const after = sandbox.stats().callsByKind;
    const expected = { getList: 1, addToList: 1, removeFromList: 1, listMembers: 1, isMember: 1 };
    expect(counted.stats.callsByKind).toMatchObject(expected);
    for (const [kind, calls] of Object.entries(expected)) expect(after[kind as keyof typeof after] - before[kind as keyof typeof before]).toBe(calls);
    expect(counted.stats.tokenCalls).toBe(1);
  });
});
