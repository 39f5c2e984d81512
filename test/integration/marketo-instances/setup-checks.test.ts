import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '#functions/marketo-instances/handler.ts';
import { demo } from '#local/demo-identities.ts';
import { createMarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { adminToken, useLocalPorts } from '#test/support/local-ports.ts';

const sandbox = createMarketoSandbox({ customFields: ['favouriteColour'] });
await sandbox.start(0);
sandbox.addPartition('Europe', 'People created from EU audiences');

const body = {
  name: 'Checked instance',
  restEndpoint: `${sandbox.baseUrl}/rest`,
  identityEndpoint: sandbox.identityUrl,
  clientId: demo.marketo.clientId,
  clientSecret: demo.marketo.clientSecret,
};

type Answer = { status: number; body: Record<string, any> };

afterAll(() => sandbox.stop());

describe('instance setup checked against Marketo', () => {
  let ports: Ports;
  let token: string;
  beforeAll(async () => {
    ports = await useLocalPorts('instance-checks');
    token = await adminToken();
  });

  const call = async (method: 'GET' | 'PUT', path: string, routeKey: string, munchkinId: string, payload?: unknown, bearer = token): Promise<Answer> => {
    const response = await handler(
      apiEvent({ method, path, routeKey, pathParameters: { munchkinId }, headers: { authorization: `Bearer ${bearer}` }, body: payload === undefined ? undefined : JSON.stringify(payload) }),
      lambdaContext(),
    );
    return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Record<string, any> };
  };
  const put = (munchkinId: string, payload: unknown) => call('PUT', `/marketo/instances/${munchkinId}`, 'PUT /marketo/instances/{munchkinId}', munchkinId, payload);
  const picker = (munchkinId: string, what: 'lead-fields' | 'partitions' | 'lists', bearer = token) =>
    call('GET', `/marketo/instances/${munchkinId}/${what}`, `GET /marketo/instances/{munchkinId}/${what}`, munchkinId, undefined, bearer);

  it('refuses a wrong client secret with a message that says so, and stores nothing', async () => {
    const identityCallsBefore = sandbox.stats().callsByKind.identity;
    const refused = await put('321-WRG-001', { ...body, clientSecret: 'not-the-secret-at-all' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('marketo_credentials_rejected');
    expect(refused.body.error.message).toContain('rejected the client ID and secret');
    expect(refused.body.error.message).toContain('Admin > LaunchPoint');
    expect(JSON.stringify(refused.body)).not.toContain('not-the-secret-at-all');
    expect(sandbox.stats().callsByKind.identity).toBeGreaterThan(identityCallsBefore);
    expect(await ports.store.get({ pk: 'INSTANCE#321-WRG-001', sk: 'INSTANCE' })).toBeUndefined();
    await expect(ports.secrets.get('marketo/321-WRG-001/client-secret')).rejects.toThrow();
  });

  it('refuses an identity endpoint that cannot be reached (502), storing nothing', async () => {
    const refused = await put('321-WRG-002', { ...body, identityEndpoint: 'http://127.0.0.1:9/identity' });
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('marketo_unreachable');
    expect(await ports.store.get({ pk: 'INSTANCE#321-WRG-002', sk: 'INSTANCE' })).toBeUndefined();
  });

  it('registers with the right secret and reports every permission as present', async () => {
    const saved = await put('321-OKK-001', body);
    expect(saved.status).toBe(201);
    expect(saved.body.checks).toEqual({ credentials: 'ok', permissions: [{ check: 'leadFields', ok: true }, { check: 'staticLists', ok: true }] });
    expect(saved.body.warnings).toEqual([]);
  });

  it('warns when the registered daily quota leaves push clone nothing above the floor kept for other integrations', async () => {
    const tight = await put('321-OKK-009', { ...body, dailyQuota: ports.config.MARKETO_DAILY_FLOOR });
    expect(tight.status).toBe(201);
    expect(tight.body.dailyQuota).toBe(ports.config.MARKETO_DAILY_FLOOR);
    expect(tight.body.warnings).toEqual([expect.stringContaining('is not above MARKETO_DAILY_FLOOR')]);
    const roomy = await put('321-OKK-009', { ...body, dailyQuota: ports.config.MARKETO_DAILY_FLOOR + 1 });
    expect(roomy.body.warnings).toEqual([]);
  });

  it('says which permission the API user lacks, and still registers', async () => {
    sandbox.denyAccess('browseLists');
    try {
      const saved = await put('321-OKK-002', body);
      expect(saved.status).toBe(201);
      expect(saved.body.checks.permissions).toEqual([
        { check: 'leadFields', ok: true },
        expect.objectContaining({ check: 'staticLists', ok: false, code: '603' }),
      ]);
      expect(saved.body.warnings).toHaveLength(1);
      expect(saved.body.warnings[0]).toContain('denied the API user access to its static lists (603)');
      expect(saved.body.warnings[0]).toContain('Users & Roles');
    } finally {
      sandbox.denyAccess('browseLists', false);
    }
  });

  it('offers the lead fields (Describe), the partitions and the static lists for picking', async () => {
    await put('321-OKK-003', body);
    const fields = await picker('321-OKK-003', 'lead-fields');
    expect(fields.status).toBe(200);
    const byName = new Map((fields.body.fields as Array<Record<string, unknown>>).map((field) => [field.name, field]));
    expect(byName.get('company')).toEqual({ name: 'company', displayName: 'Company', dataType: 'string', readOnly: false });
    expect(byName.get('favouriteColour')).toMatchObject({ displayName: 'Favourite Colour', readOnly: false });
    expect(byName.get('id')).toMatchObject({ dataType: 'integer', readOnly: true });

    const partitions = await picker('321-OKK-003', 'partitions');
    expect(partitions.body.partitions).toEqual([
      { id: 1, name: 'Default', description: 'Initial system lead partition' },
      { id: 2, name: 'Europe', description: 'People created from EU audiences' },
    ]);

    const lists = await picker('321-OKK-003', 'lists');
    expect(lists.body).toEqual({
      lists: [
        { id: demo.marketo.staticListId, name: 'orgbridge demo list' },
        { id: demo.marketo.emptyListId, name: 'orgbridge empty list' },
      ],
      truncated: false,
    });
  });

  it('pages through every static list', async () => {
    for (let index = 0; index < 320; index += 1) sandbox.addList(`bulk list ${String(index).padStart(3, '0')}`);
    await put('321-OKK-004', body);
    const callsBefore = sandbox.stats().callsByKind.browseLists;
    const lists = await picker('321-OKK-004', 'lists');
    expect(lists.body.lists).toHaveLength(322);
    expect(sandbox.stats().callsByKind.browseLists - callsBefore).toBe(2);
  });

  it('lets destination admins pick, and refuses tokens without either permission or the instance', async () => {
    await put('321-OKK-005', body);
    expect((await picker('321-OKK-005', 'partitions', await adminToken({ permissions: ['push-clone-admin'] }))).status).toBe(200);
    const noPermission = await picker('321-OKK-005', 'partitions', await adminToken({ permissions: ['org-mapping'] }));
    expect(noPermission.body.error.code).toBe('missing_permission');
    expect((await picker('321-OKK-005', 'partitions', await adminToken({ instances: ['111-AAA-111'] }))).status).toBe(403);
    expect((await picker('999-NON-999', 'partitions')).status).toBe(404);
  });

  it('answers a Marketo refusal of a picker with its code and what to do (502)', async () => {
    await put('321-OKK-006', body);
    sandbox.denyAccess('describeLeads');
    try {
      const refused = await picker('321-OKK-006', 'lead-fields');
      expect(refused.status).toBe(502);
      expect(refused.body.error).toMatchObject({ code: 'marketo_refused' });
      expect(refused.body.error.message).toContain('603');
    } finally {
      sandbox.denyAccess('describeLeads', false);
    }
  });
});

describe('the Marketo sandbox answers unknown paths as Marketo does', () => {
  const tokenOf = async () => {
    const response = await fetch(`${sandbox.identityUrl}/oauth/token?grant_type=client_credentials&client_id=${demo.marketo.clientId}&client_secret=${demo.marketo.clientSecret}`);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  it('610 in an HTTP 200 envelope for a URL that names no resource, 605 for a known one with the wrong method', async () => {
    const headers = { authorization: `Bearer ${await tokenOf()}` };
    const unknown = await fetch(`${sandbox.baseUrl}/rest/v1/leadz.json`, { headers });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ success: false, errors: [{ code: '610', message: 'Requested resource not found' }] });
    const wrongMethod = await fetch(`${sandbox.baseUrl}/rest/v1/leads/describe.json`, { method: 'DELETE', headers });
    expect(await wrongMethod.json()).toMatchObject({ success: false, errors: [{ code: '605' }] });
  });

  it('checks the access token before anything else (601 without one)', async () => {
    const anonymous = await fetch(`${sandbox.baseUrl}/rest/v1/leadz.json`);
    expect(await anonymous.json()).toMatchObject({ success: false, errors: [{ code: '601' }] });
  });
});
