import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import type { MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import type { MarketoClient } from '#shared/marketo/client.ts';
import { MarketoRequestError } from '#shared/marketo/errors.ts';
import { clientFor, emails, startedSandbox } from './support';

describe('Marketo leads through the client', () => {
  let sandbox: MarketoSandbox;
  let client: MarketoClient;
  beforeAll(async () => {
    sandbox = await startedSandbox({ customFields: ['orgbridgeSegment'] });
    client = clientFor(sandbox);
  });
  afterAll(() => sandbox.stop());

  it('creates and then updates with createOrUpdate, matching emails case-insensitively', async () => {
    const created = await client.syncLeads({ input: [{ email: 'Upsert.Me@example.com', firstName: 'Up', company: 'Acme, Inc.' }] });
    expect(created).toEqual([{ status: 'created', id: expect.any(Number) }]);
    const updated = await client.syncLeads({ input: [{ email: 'upsert.me@EXAMPLE.com', lastName: 'Sert', orgbridgeSegment: 'aep-1' }] });
    expect(updated).toEqual([{ status: 'updated', id: created[0]?.id }]);
    const [lead] = sandbox.leadsByEmail('upsert.me@example.com');
    expect(lead?.fields).toMatchObject({ firstName: 'Up', lastName: 'Sert', company: 'Acme, Inc.', orgbridgeSegment: 'aep-1' });
  });

  it('gives per-record results in input order with the documented reasons', async () => {
    const existing = sandbox.addLead({ email: 'exists@example.com' });
    sandbox.addLead({ email: 'twice@example.com' });
    sandbox.addLead({ email: 'TWICE@example.com' });

    const createOnly = await client.syncLeads({
      action: 'createOnly',
      input: [{ email: 'fresh@example.com' }, { email: 'exists@example.com' }, { email: 'odd@example.com', notAField: 1 }],
    });
    expect(createOnly.map((result) => result.status)).toEqual(['created', 'skipped', 'skipped']);
    expect(createOnly[1]).toMatchObject({ reasons: [{ code: '1005' }] });
    expect(createOnly[2]).toMatchObject({ reasons: [{ code: '1006' }] });

    const updateOnly = await client.syncLeads({
      action: 'updateOnly',
      input: [{ email: 'nobody@example.com' }, { email: 'exists@example.com', title: 'CTO' }, { email: 'twice@example.com' }],
    });
    expect(updateOnly).toEqual([
      { status: 'skipped', reasons: [expect.objectContaining({ code: '1004' })] },
      { status: 'updated', id: existing.id },
      { status: 'skipped', reasons: [expect.objectContaining({ code: '1007' })] },
    ]);

    const byId = await client.syncLeads({ action: 'updateOnly', lookupField: 'id', input: [{ id: existing.id, city: 'Lyon' }] });
    expect(byId).toEqual([{ status: 'updated', id: existing.id }]);
    expect(sandbox.lead(existing.id)?.fields.city).toBe('Lyon');
  });

  it('creates a second lead for a known email with createDuplicate', async () => {
    await client.syncLeads({ input: [{ email: 'dup@example.com' }] });
    const [result] = await client.syncLeads({ action: 'createDuplicate', input: [{ email: 'dup@example.com' }] });
    expect(result?.status).toBe('created');
    expect(sandbox.duplicateEmails()).toContain('dup@example.com');
  });

  it('refuses more than 300 records before calling Marketo', async () => {
    const before = client.stats.callsByKind.syncLeads;
    await expect(client.syncLeads({ input: emails(301, 'big').map((email) => ({ email })) })).rejects.toBeInstanceOf(MarketoRequestError);
    expect(client.stats.callsByKind.syncLeads).toBe(before);
  });

  it('finds leads by email with POST _method=GET in chunks of 300, following pages', async () => {
    const many = emails(320, 'find');
    await client.syncLeads({ input: many.slice(0, 300).map((email) => ({ email })) });
    await client.syncLeads({ input: many.slice(300).map((email) => ({ email })) });
    // a second lead for one email: two matches, still one lookup value
    sandbox.addLead({ email: many[5] ?? '' });
    const before = client.stats.callsByKind.findLeads;
    const found = await client.findLeadsByEmail([...many.map((email) => email.toUpperCase()), 'missing@example.com'], ['id', 'email', 'firstName']);
    expect(found).toHaveLength(321);
    expect(new Set(found.map((lead) => lead.email?.toLowerCase()))).toEqual(new Set(many));
    // 300 values match 301 leads: two pages for the first chunk, one for the rest
    expect(client.stats.callsByKind.findLeads - before).toBe(3);
  });

  it('answers a GET whose URL is over 8 KB with HTTP 414, as Marketo does', async () => {
    const tokenAnswer = await fetch(
      `${sandbox.identityUrl}/oauth/token?grant_type=client_credentials&client_id=${demo.marketo.clientId}&client_secret=${demo.marketo.clientSecret}`,
    );
    const { access_token: token } = (await tokenAnswer.json()) as { access_token: string };
    // About 10 KB: over Marketo's 8 KB, under Node's own 16 KB header limit.
    const longValues = emails(230, 'someone.with.a.long.name').join(',');
    const response = await fetch(`${sandbox.baseUrl}/rest/v1/leads.json?filterType=email&filterValues=${encodeURIComponent(longValues)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(414);
    // the same query as a form body goes through
    const found = await client.findLeadsByEmail(longValues.split(','));
    expect(found).toEqual([]);
  });

  it('answers the envelope errors Marketo gives for malformed requests', async () => {
    const { access_token: token } = (await (
      await fetch(`${sandbox.identityUrl}/oauth/token?grant_type=client_credentials&client_id=${demo.marketo.clientId}&client_secret=${demo.marketo.clientSecret}`)
    ).json()) as { access_token: string };
    const post = (body: string, contentType: string) =>
      fetch(`${sandbox.baseUrl}/rest/v1/leads.json`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body }).then(
        (response) => response.json(),
      );
    expect(await post('{"input":[', 'application/json')).toMatchObject({ success: false, errors: [{ code: '609' }] });
    expect(await post('{"input":[]}', 'text/plain')).toMatchObject({ success: false, errors: [{ code: '612' }] });
    const tooMany = JSON.stringify({ input: emails(301, 'raw').map((email) => ({ email })) });
    expect(await post(tooMany, 'application/json')).toMatchObject({ success: false, errors: [{ code: '1003' }] });
  });

  it('creates duplicates when two upserts of one email are in flight at once, as Marketo warns', async () => {
    const racy = await startedSandbox({ processingLatencyMs: 50, seed: false });
    try {
      const racer = clientFor(racy);
      await Promise.all([racer.syncLeads({ input: [{ email: 'race@example.com' }] }), racer.syncLeads({ input: [{ email: 'race@example.com' }] })]);
      expect(racy.duplicateEmails()).toEqual(['race@example.com']);
    } finally {
      await racy.stop();
    }
  });
});
