import fc from 'fast-check';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as instancesHandler } from '#functions/marketo-instances/handler.ts';
import { handler as orgMappingHandler } from '#functions/org-mapping/handler-api.ts';
import { handler as callbackHandler } from '#functions/org-mapping/handler-callback.ts';
import type { Ports } from '#shared/runtime/ports.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { adminToken, useLocalPorts } from '#test/support/local-ports.ts';
import { registerInstance, startOrgMappingWorld, type OrgMappingWorld } from '#test/integration/org-mapping/world.ts';

const SECRET = 'fuzz-client-secret-never-echoed';

/** Any JSON-ish value, including the shapes that break naive parsers. */
const hostileJson = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'name', 'imsOrgId', 'clientSecret', 'restEndpoint', 'hipaaReady'), fc.jsonValue()),
  fc.string(),
);

describe('admin inputs under fuzzing never answer 5xx, never store half an item, never echo a secret', () => {
  let world: OrgMappingWorld;
  let ports: Ports;
  let token: string;

  beforeAll(async () => {
    world = await startOrgMappingWorld('fuzz-admin');
    ports = world.ports;
    token = await adminToken();
    await registerInstance(ports, '123-ABC-456');
  });
  afterAll(() => world.stop());

  const send = async (handler: typeof instancesHandler, method: string, path: string, routeKey: string, pathParameters: Record<string, string>, body: string) =>
    (await handler(apiEvent({ method, path, routeKey, pathParameters, headers: { authorization: `Bearer ${token}` }, body }), lambdaContext())) as APIGatewayProxyStructuredResultV2;

  it('PUT /marketo/instances/{munchkinId}', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 16 }), hostileJson, async (munchkinId, body) => {
        const withSecret = typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, clientSecret: SECRET } : body;
        const response = await send(instancesHandler, 'PUT', `/marketo/instances/${encodeURIComponent(munchkinId)}`, 'PUT /marketo/instances/{munchkinId}', { munchkinId }, JSON.stringify(withSecret));
        expect(response.statusCode).toBeLessThan(500);
        expect(response.body ?? '').not.toContain(SECRET);
        if ((response.statusCode ?? 0) >= 400) {
          const stored = /^\d{3}-[A-Za-z]{3}-\d{3}$/.test(munchkinId.trim()) ? await ports.store.get({ pk: `INSTANCE#${munchkinId.trim().toUpperCase()}`, sk: 'INSTANCE' }) : undefined;
          if (munchkinId.trim().toUpperCase() !== '123-ABC-456') expect(stored).toBeUndefined();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('PUT /org-mapping/{munchkinId}', async () => {
    await fc.assert(
      fc.asyncProperty(hostileJson, async (body) => {
        const before = await ports.store.get({ pk: 'INSTANCE#123-ABC-456', sk: 'ORGMAP' });
        const response = await send(orgMappingHandler, 'PUT', '/org-mapping/123-ABC-456', 'PUT /org-mapping/{munchkinId}', { munchkinId: '123-ABC-456' }, JSON.stringify(body));
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode !== 200) expect(await ports.store.get({ pk: 'INSTANCE#123-ABC-456', sk: 'ORGMAP' })).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });

  it('GET /org-mapping/callback with any query string', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom('code', 'state', 'error', 'error_description', 'redirect_uri', 'x'), fc.string({ maxLength: 5000 })),
        async (query) => {
          const search = new URLSearchParams(query).toString();
          const response = (await callbackHandler(apiEvent({ path: `/org-mapping/callback?${search}`, routeKey: 'GET /org-mapping/callback' }), lambdaContext())) as APIGatewayProxyStructuredResultV2;
          expect(response.statusCode).toBeLessThan(500);
          expect(response.headers?.['content-type']).toContain('text/html');
          // Nothing from the query is reflected into the page.
          for (const value of Object.values(query)) if (value.length > 6 && /[<>"]/.test(value)) expect(response.body).not.toContain(value);
        },
      ),
      { numRuns: 150 },
    );
    const { items } = await ports.store.query({ partition: 'INSTANCE#123-ABC-456' });
    expect(items.find((item) => item.sk === 'ORGMAP')?.confirmed).toBeUndefined();
  });
});
