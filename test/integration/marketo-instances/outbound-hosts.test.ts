import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '#functions/marketo-instances/handler.ts';
import { readInstance } from '#shared/instances/instance-store.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { adminToken, useLocalPorts } from '#test/support/local-ports.ts';

/** A deployed (prod) stage: instance endpoints are checked against Marketo's hosts and internal addresses. */
describe('PUT /marketo/instances/{munchkinId} in prod refuses hosts a secret must not go to', () => {
  let ports: Ports;
  let token: string;
  const previousStage = process.env.STAGE;
  beforeAll(async () => {
    // localhost and one public address are allowed by the deployment, to show that the address check still applies.
    ports = await useLocalPorts('outbound', { STAGE: 'prod', OUTBOUND_ALLOWED_HOSTS: 'localhost, 93.184.216.34' });
    token = await adminToken();
  });
  afterAll(() => {
    if (previousStage === undefined) delete process.env.STAGE;
    else process.env.STAGE = previousStage;
  });

  const put = async (munchkinId: string, endpoint: string) => {
    const response = await handler(
      apiEvent({
        method: 'PUT',
        path: `/marketo/instances/${munchkinId}`,
        routeKey: 'PUT /marketo/instances/{munchkinId}',
        pathParameters: { munchkinId },
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: 'Instance', restEndpoint: `${endpoint}/rest`, identityEndpoint: `${endpoint}/identity`, clientId: 'client', clientSecret: 'launchpoint-secret-value' }),
      }),
      lambdaContext(),
    );
    return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as { error?: { code: string; message: string } } };
  };

  it.each([
    ['a private address', 'https://10.0.0.1', /10\.0\.0\.1 cannot be used as a Marketo host: it is a private, link-local or loopback address/],
    ['the loopback address', 'https://127.0.0.1', /127\.0\.0\.1 cannot be used as a Marketo host: it is a private/],
    ['IPv6 loopback', 'https://[::1]', /\[::1\] cannot be used as a Marketo host/],
    ['the instance metadata address', 'https://169.254.169.254', /169\.254\.169\.254 cannot be used/],
    ['a name allowed by the deployment that resolves to loopback', 'https://localhost', /localhost cannot be used as a Marketo host: the name resolves to a private, link-local or loopback address/],
    ['a host that is not Marketo\'s', 'https://collector.attacker.example', /matches none of the allowed hosts \(\*\.mktorest\.com, localhost, 93\.184\.216\.34\).*OUTBOUND_ALLOWED_HOSTS/],
    ['plain http on loopback', 'http://127.0.0.1:3103', /must be an https URL/],
  ])('refuses %s with a clear message and stores nothing', async (_label, endpoint, message) => {
    const refused = await put('400-AAA-001', endpoint);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.error)).toMatch(message);
    expect(await readInstance(ports.store, '400-AAA-001')).toBeUndefined();
  });

  it('lets a public address the deployment allows through to the credential proof', async () => {
    // Registration proves the credentials with a token call before storing anything; this address passes the
    // outbound check, so the answer is the proof's (nothing listens there in a test), not a refused host.
    const passed = await put('400-AAA-002', 'https://93.184.216.34');
    expect(passed.status).toBe(502);
    expect(passed.body.error?.code).toBe('marketo_unreachable');
    expect(await readInstance(ports.store, '400-AAA-002')).toBeUndefined();
  });
});
