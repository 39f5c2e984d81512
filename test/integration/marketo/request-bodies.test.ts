import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { demo } from '#local/demo-identities.ts';
import type { MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import type { MarketoClient } from '#shared/marketo/client.ts';
import { toCsv } from '#shared/marketo/csv.ts';
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from '#test/support/recording-proxy.ts';
import { clientFor, startedSandbox } from './support';

/**
 * What the Marketo client puts on the wire for each kind of call, pinned byte
 * for byte against the shapes Marketo documents (docs/vendors/marketo.md). A
 * recording proxy sits between the client and the sandbox, which answers.
 */
describe('Marketo request bodies, as sent', () => {
  let sandbox: MarketoSandbox;
  let proxy: RecordingProxy;
  let client: MarketoClient;
  let listId: number;

  beforeAll(async () => {
    sandbox = await startedSandbox();
    proxy = await startRecordingProxy(sandbox.baseUrl);
    listId = sandbox.addList('Pinned bodies').id;
  });
  afterAll(async () => {
    await proxy.stop();
    await sandbox.stop();
  });
  beforeEach(() => {
    // A fresh client each test: its first call asks for a token, so each test sees the whole exchange.
    client = clientFor(sandbox, { restBaseUrl: proxy.url, identityBaseUrl: `${proxy.url}/identity` });
    proxy.requests.length = 0;
  });

  /** The one REST call a test made, after checking it carried the token the identity call gave. */
  function onlyRestCall(): RecordedRequest {
    const [tokenCall, ...restCalls] = proxy.requests;
    expect(tokenCall?.path).toBe('/identity/oauth/token');
    expect(restCalls).toHaveLength(1);
    const [call] = restCalls;
    if (!tokenCall || !call) throw new Error('expected a token call and one REST call');
    const { access_token: accessToken } = JSON.parse(tokenCall.responseText) as { access_token: string };
    expect(call.headers.authorization).toBe(`Bearer ${accessToken}`);
    expect(call.query.has('access_token')).toBe(false);
    return call;
  }

  const json = (call: RecordedRequest) => JSON.parse(call.body.toString('utf8')) as unknown;

  it('asks for a token with the client credentials grant in the query and nothing else', async () => {
    await client.getList(listId);
    const tokenCall = proxy.requests[0];
    expect(tokenCall).toMatchObject({ method: 'POST', path: '/identity/oauth/token', status: 200 });
    expect([...(tokenCall?.query.entries() ?? [])]).toEqual([
      ['grant_type', 'client_credentials'],
      ['client_id', demo.marketo.clientId],
      ['client_secret', demo.marketo.clientSecret],
    ]);
    expect(tokenCall?.body.length).toBe(0);
    expect(tokenCall?.headers.authorization).toBeUndefined();
  });

  it('syncs leads as one JSON body: action, lookupField, partitionName and the records as given', async () => {
    await client.syncLeads({
      partitionName: 'Default',
      input: [
        { email: 'jane.doe@example.com', firstName: 'Jane', company: 'Acme, Inc.' },
        { email: 'john.roe@example.com', lastName: 'Roe' },
      ],
    });
    const call = onlyRestCall();
    expect(call).toMatchObject({ method: 'POST', path: '/rest/v1/leads.json' });
    expect([...call.query.keys()]).toEqual([]);
    expect(call.headers['content-type']).toBe('application/json');
    expect(json(call)).toEqual({
      action: 'createOrUpdate',
      lookupField: 'email',
      input: [
        { email: 'jane.doe@example.com', firstName: 'Jane', company: 'Acme, Inc.' },
        { email: 'john.roe@example.com', lastName: 'Roe' },
      ],
      partitionName: 'Default',
    });
  });

  it('finds leads by email with POST and _method=GET, the query as a form body', async () => {
    await client.findLeadsByEmail(['jane.doe@example.com', 'o+brien@example.com']);
    const call = onlyRestCall();
    expect(call).toMatchObject({ method: 'POST', path: '/rest/v1/leads.json' });
    expect([...call.query.entries()]).toEqual([['_method', 'GET']]);
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call.body.toString('utf8')).toBe('filterType=email&filterValues=jane.doe%40example.com%2Co%2Bbrien%40example.com&fields=id%2Cemail&batchSize=300');
  });

  it.each([
    ['adds lead IDs to a list with POST', 'POST', (listId: number) => client.addToList(listId, [11, 12])],
    ['removes lead IDs from a list with DELETE', 'DELETE', (listId: number) => client.removeFromList(listId, [11, 12])],
  ] as const)('%s and {"input":[{"id":…}]} as the body, never IDs in the URL', async (_label, method, change) => {
    await change(listId);
    const call = onlyRestCall();
    expect(call).toMatchObject({ method, path: `/rest/v1/lists/${listId}/leads.json` });
    expect([...call.query.keys()]).toEqual([]);
    expect(call.headers['content-type']).toBe('application/json');
    expect(call.body.toString('utf8')).toBe('{"input":[{"id":11},{"id":12}]}');
  });

  it('starts a bulk import as multipart: format, the CSV file, lookupField and listId', async () => {
    const csv = toCsv(['email', 'company'], [{ email: 'jane.doe@example.com', company: 'Acme, Inc.' }]);
    await client.importLeadsCsv({ csv, listId });
    const call = onlyRestCall();
    expect(call).toMatchObject({ method: 'POST', path: '/bulk/v1/leads.json' });
    expect([...call.query.keys()]).toEqual([]);
    const contentType = String(call.headers['content-type']);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(new Uint8Array(call.body), { headers: { 'content-type': contentType } }).formData();
    expect([...form.keys()]).toEqual(['format', 'file', 'lookupField', 'listId']);
    expect(form.get('format')).toBe('csv');
    expect(form.get('lookupField')).toBe('email');
    expect(form.get('listId')).toBe(String(listId));
    const file = form.get('file');
    if (!(file instanceof Blob)) throw new Error('the file part is missing');
    expect((file as File).name).toBe('leads.csv');
    expect(file.type).toBe('text/csv');
    expect(await file.text()).toBe('email,company\r\njane.doe@example.com,"Acme, Inc."\r\n');
  });
});
