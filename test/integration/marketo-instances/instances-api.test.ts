import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '#functions/marketo-instances/handler.ts';
import { demo } from '#local/demo-identities.ts';
import { createMarketoSandbox, type MarketoSandbox } from '#local/sandboxes/marketo/index.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { adminToken, useLocalPorts } from '#test/support/local-ports.ts';

const route = (method: 'GET' | 'PUT', munchkinId: string) => ({
  method,
  path: `/marketo/instances/${munchkinId}`,
  routeKey: `${method} /marketo/instances/{munchkinId}`,
  pathParameters: { munchkinId },
});

// Registration proves the credentials against the instance: two loopback Marketo instances stand in
// for the real one and for another host (plain http on loopback is allowed in the local stage only).
const sandboxes = { primary: createMarketoSandbox({ seed: false }), other: createMarketoSandbox({ seed: false, clientId: 'client-id-2', clientSecret: 'launchpoint-secret-value-2' }) };
await Promise.all([sandboxes.primary.start(0), sandboxes.other.start(0)]);
const endpointsOf = (sandbox: MarketoSandbox) => ({ restEndpoint: `${sandbox.baseUrl}/rest`, identityEndpoint: sandbox.identityUrl });
const validBody = {
  name: 'Demo instance',
  ...endpointsOf(sandboxes.primary),
  clientId: demo.marketo.clientId,
  clientSecret: demo.marketo.clientSecret,
};

describe('PUT/GET /marketo/instances/{munchkinId}', () => {
  let ports: Ports;
  let token: string;
  beforeAll(async () => {
    ports = await useLocalPorts('instances');
    token = await adminToken();
  });
  afterAll(async () => {
    await Promise.all([sandboxes.primary.stop(), sandboxes.other.stop()]);
  });

  const send = async (method: 'GET' | 'PUT', munchkinId: string, body?: unknown, bearer = token) => {
    const response = await handler(
      apiEvent({ ...route(method, munchkinId), headers: { authorization: `Bearer ${bearer}` }, body: body === undefined ? undefined : JSON.stringify(body) }),
      lambdaContext(),
    );
    return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Record<string, any> };
  };

  it('registers an instance, keeps the secret in the secret store only, and never returns it', async () => {
    const created = await send('PUT', '123-abc-456', validBody);
    expect(created.status).toBe(201);
    expect(created.body.munchkinId).toBe('123-ABC-456');
    expect(JSON.stringify(created.body)).not.toContain(validBody.clientSecret);
    const read = await send('GET', '123-ABC-456');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ name: 'Demo instance', clientId: validBody.clientId, hipaaReady: false, clientSecretStored: true });
    expect(JSON.stringify(read.body)).not.toContain(validBody.clientSecret);
    const item = await ports.store.get({ pk: 'INSTANCE#123-ABC-456', sk: 'INSTANCE' });
    expect(JSON.stringify(item)).not.toContain(validBody.clientSecret);
    expect(await ports.secrets.get('marketo/123-ABC-456/client-secret')).toBe(validBody.clientSecret);
    expect(readFileSync(ports.config.LOCAL_SECRETS_FILE, 'utf8')).toContain(validBody.clientSecret);
  });

  it('keeps the stored secret when an update omits it', async () => {
    await send('PUT', '222-BBB-222', validBody);
    const { clientSecret: _omitted, ...withoutSecret } = validBody;
    const updated = await send('PUT', '222-BBB-222', { ...withoutSecret, name: 'Renamed', hipaaReady: true });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Renamed', hipaaReady: true });
    expect(await ports.secrets.get('marketo/222-BBB-222/client-secret')).toBe(validBody.clientSecret);
  });

  it.each([
    ['identity endpoint', () => ({ identityEndpoint: sandboxes.other.identityUrl })],
    ['REST endpoint', () => ({ restEndpoint: `${sandboxes.other.baseUrl}/rest` })],
    ['client ID', () => ({ clientId: 'client-id-2' })],
  ])('refuses to re-point the %s without the secret, so the stored secret cannot be sent elsewhere', async (_label, changeOf) => {
    await send('PUT', '777-GGG-777', validBody);
    const { clientSecret: _omitted, ...withoutSecret } = validBody;
    const refused = await send('PUT', '777-GGG-777', { ...withoutSecret, ...changeOf() });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('client_secret_required');
    expect((await send('GET', '777-GGG-777')).body).toMatchObject({ restEndpoint: validBody.restEndpoint, identityEndpoint: validBody.identityEndpoint, clientId: validBody.clientId });

    // Moving to another instance works with that instance's own credentials (proven against it).
    const withSecret = await send('PUT', '777-GGG-777', { ...validBody, ...endpointsOf(sandboxes.other), clientId: 'client-id-2', clientSecret: 'launchpoint-secret-value-2' });
    expect(withSecret.status).toBe(200);
    expect(await ports.secrets.get('marketo/777-GGG-777/client-secret')).toBe('launchpoint-secret-value-2');
    await send('PUT', '777-GGG-777', validBody);
  });

  it('lists only the instances the token covers, with their org-mapping state', async () => {
    await send('PUT', '888-LLL-001', validBody);
    await send('PUT', '888-LLL-002', validBody);
    const list = async (bearer: string) => {
      const response = await handler(apiEvent({ method: 'GET', path: '/marketo/instances', routeKey: 'GET /marketo/instances', headers: { authorization: `Bearer ${bearer}` } }), lambdaContext());
      return JSON.parse(response.body ?? '{}') as { instances: Array<Record<string, any>> };
    };
    const narrow = await list(await adminToken({ instances: ['888-LLL-002'] }));
    expect(narrow.instances).toEqual([
      expect.objectContaining({ munchkinId: '888-LLL-002', name: 'Demo instance', hipaaReady: false, orgMapping: { status: 'unmapped' } }),
    ]);
    expect(JSON.stringify(narrow)).not.toContain(validBody.clientSecret);
    const every = await list(token);
    expect(every.instances.map((instance) => instance.munchkinId)).toEqual(expect.arrayContaining(['888-LLL-001', '888-LLL-002', '123-ABC-456']));
  });

  it('canonicalises an onboarded org ID', async () => {
    const response = await send('PUT', '333-CCC-333', { ...validBody, onboardedImsOrgId: 'a1b2c3d4e5f6a7b8c9d0e1f2@adobeorg' });
    expect(response.body.onboardedImsOrgId).toBe('A1B2C3D4E5F6A7B8C9D0E1F2@AdobeOrg');
  });

  it.each([
    ['a malformed Munchkin ID', 'ABC-123-XYZ', validBody, 400, 'validation_failed'],
    ['a plain-http endpoint', '444-DDD-444', { ...validBody, restEndpoint: 'http://example.com' }, 400, 'validation_failed'],
    ['a malformed onboarded org ID', '444-DDD-444', { ...validBody, onboardedImsOrgId: 'XYZ@AdobeOrg' }, 400, 'validation_failed'],
    ['a new instance without its secret', '555-EEE-555', { ...validBody, clientSecret: undefined }, 400, 'client_secret_required'],
  ])('refuses %s and stores nothing', async (_label, munchkinId, body, status, code) => {
    const response = await send('PUT', munchkinId, body);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(await ports.store.get({ pk: `INSTANCE#${munchkinId.toUpperCase()}`, sk: 'INSTANCE' })).toBeUndefined();
  });

  it('answers an unknown instance with 404 and what to do', async () => {
    const response = await send('GET', '999-ZZZ-999');
    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain('PUT /marketo/instances/999-ZZZ-999');
  });

  it('refuses an admin whose token does not cover the instance or lacks the permission', async () => {
    const otherInstance = await adminToken({ instances: ['111-AAA-111'] });
    expect((await send('PUT', '666-FFF-666', validBody, otherInstance)).status).toBe(403);
    const noPermission = await adminToken({ permissions: ['org-mapping'] });
    expect((await send('PUT', '666-FFF-666', validBody, noPermission)).body.error.code).toBe('missing_permission');
    expect((await send('GET', '123-ABC-456', undefined, 'nope')).status).toBe(401);
  });
});

describe('endpoints outside the local stage', () => {
  it('refuses plain-http loopback endpoints once STAGE is not local', async () => {
    const { instanceInputSchema } = await import('#functions/marketo-instances/core/register-instance.ts');
    const body = { ...validBody, restEndpoint: 'http://127.0.0.1:3103/rest', identityEndpoint: 'http://127.0.0.1:3103/identity' };
    const httpsBody = { ...validBody, restEndpoint: 'https://123-ABC-456.mktorest.com/rest', identityEndpoint: 'https://123-ABC-456.mktorest.com/identity' };
    expect(instanceInputSchema.safeParse(body).success).toBe(true);
    const stage = process.env.STAGE;
    process.env.STAGE = 'prod';
    try {
      expect(instanceInputSchema.safeParse(body).success).toBe(false);
      expect(instanceInputSchema.safeParse(httpsBody).success).toBe(true);
    } finally {
      if (stage === undefined) delete process.env.STAGE;
      else process.env.STAGE = stage;
    }
  });
});
