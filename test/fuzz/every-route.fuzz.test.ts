import fc from 'fast-check';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionNamed, routes, type RouteDef } from '#functions/catalog.ts';
import { loadHandler } from '#local/gateway/handlers.ts';
import { demo } from '#local/demo-identities.ts';
import { apiEvent, lambdaContext } from '#test/support/http-events.ts';
import { adminToken } from '#test/support/local-ports.ts';
import { pushCloneWorld, saveTestDestination, type PushCloneWorld } from '#test/integration/push-clone/setup-world.ts';

/**
 * Every route of the catalog (so a new route is fuzzed the day it is added)
 * driven with malformed path parameters, query strings, headers and bodies,
 * against DynamoDB Local and a Marketo sandbox: no answer may be a 5xx, and
 * no answer may carry a stack trace.
 */

/** Text that breaks naive URL, percent-decoding, base64 and JSON handling. */
const MALFORMED_TEXT = [
  'a%:b', '%', '%zz', '%E0%A4%A', 'not a url', 'https://', 'http://[::1', 'https://exa mple.com', 'https://a:b@example.com', 'javascript:alert(1)',
  'https://example.com:99999', 'file:///etc/passwd', 'https:example.com', '//example.com', '\u0000', '\uD800', '../../etc/passwd', '__proto__',
  'constructor', '{}', '[]', 'null', ' ', '', 'ST', 'ST1001', '1001.5', '-1', '9'.repeat(400), 'x'.repeat(5000), '<script>alert(1)</script>',
];
const malformedText = fc.oneof(fc.constantFrom(...MALFORMED_TEXT), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));
const malformedValue = fc.oneof(malformedText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));

/** A valid body per route where one is known: the property replaces one field of it with a malformed value. */
function exampleBodies(world: PushCloneWorld): Record<string, Record<string, unknown>> {
  return {
    'PUT /marketo/instances/{munchkinId}': {
      name: 'Fuzzed',
      // Registration proves the credentials with a token call: the world's sandbox answers it (an unreachable host's 502 is not malformed input).
      restEndpoint: `${world.sandbox.baseUrl}/rest`,
      identityEndpoint: world.sandbox.identityUrl,
      clientId: demo.marketo.clientId,
      clientSecret: demo.marketo.clientSecret,
      hipaaReady: false,
    },
    'PUT /org-mapping/{munchkinId}': { imsOrgId: demo.org.id },
    'PUT /push-clone/destinations/{destinationId}': {
      name: 'Fuzzed',
      munchkinId: world.munchkinId,
      personCreationMode: 'createMissing',
      audiences: [{ audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' }],
    },
    'PUT /campaign/accounts/{account}': {
      imsServer: 'https://ims.example',
      clientId: 'fuzz-client',
      clientSecret: 'fuzz-secret',
      callbackServer: 'https://fuzz.campaign.example',
      imsOrgId: demo.org.id,
      associationMask: 'Campaign - t - (.*)',
      tenant: 't',
    },
    'PUT /campaign/accounts/{account}/operator-groups': { operatorGroups: ['analyst'] },
    'POST /push-clone/destinations/{destinationId}/activations': {
      identityMap: { Email: [{ id: 'fuzz@example.com' }] },
      segmentMembership: { ups: { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } } },
    },
  };
}

/**
 * An id that exists in the world, per path parameter. Instances and Campaign
 * accounts are written under ids no other route reads: a valid registration
 * would re-point the world's instance at a host that does not exist, and a
 * saved account's sync would call IMS; what a vendor that cannot be reached
 * answers (502) is not malformed input.
 */
function knownIdFor(route: RouteDef, name: string): string {
  const writes = route.method === 'PUT' && !route.path.includes('/', route.path.indexOf('{'));
  if (name === 'munchkinId') return writes && route.path.startsWith('/marketo/instances/') ? '999-FZZ-999' : demo.marketo.munchkinId;
  if (name === 'destinationId') return 'newsletter';
  return writes && route.path.startsWith('/campaign/accounts/') ? 'fuzz-written-account' : 'fuzz-never-written';
}

const routeKeyOf = (route: RouteDef) => `${route.method} ${route.path}`;
const paramNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);

describe('every catalog route under malformed input', () => {
  let world: PushCloneWorld;
  let token: string;
  let examples: Record<string, Record<string, unknown>>;

  beforeAll(async () => {
    world = await pushCloneWorld('fuzz-every-route');
    token = await adminToken();
    await saveTestDestination(world, 'newsletter', { name: 'Newsletter', audiences: [{ audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' }] });
    examples = exampleBodies(world);
  });
  afterAll(() => world.stop());

  it('covers every route the catalog declares', () => {
    expect(routes.length).toBeGreaterThanOrEqual(18);
  });

  it.each(routes.map((route) => [routeKeyOf(route), route] as const))('%s never answers 5xx', async (_key, route) => {
    const handler = await loadHandler(functionNamed(route.function), process.cwd());
    const names = paramNames(route.path);
    // Mostly valid around one malformed part, so each run reaches the code behind authentication and routing.
    const param = (name: string) => fc.oneof({ arbitrary: fc.constant(knownIdFor(route, name)), weight: 4 }, { arbitrary: malformedText, weight: 1 });
    const authorization = fc.oneof(
      { arbitrary: fc.constantFrom(`Bearer ${token}`, `Bearer ${world.webhookToken}`, `Basic ${Buffer.from('aep:aep-client-secret-0123456789').toString('base64')}`), weight: 6 },
      { arbitrary: fc.constantFrom('Basic a%:b', `Basic ${Buffer.from('a%:b').toString('base64')}`, 'Bearer', 'Basic', 'Bearer a.b.c'), weight: 1 },
      { arbitrary: malformedText, weight: 1 },
    );
    const example = examples[routeKeyOf(route)];
    const form = route.path.endsWith('/oauth/token');
    const encode = (value: Record<string, unknown>) => (form ? new URLSearchParams(Object.entries(value).map(([key, field]) => [key, String(field)])).toString() : JSON.stringify(value));
    const body = fc.oneof(
      ...(example ? [{ arbitrary: fc.tuple(fc.constantFrom(...Object.keys(example)), malformedValue).map(([field, value]) => encode({ ...example, [field]: value })), weight: 3 }] : []),
      ...(example ? [{ arbitrary: fc.constant(encode(example)), weight: 3 }] : []),
      { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)), weight: 1 },
      { arbitrary: malformedText, weight: 1 },
      { arbitrary: fc.dictionary(fc.constantFrom(...Object.keys(example ?? { name: 1, url: 1 }), 'extra'), malformedValue).map((value) => JSON.stringify(value)), weight: 1 },
    );
    const query = fc.dictionary(fc.constantFrom('dryRun', 'code', 'state', 'error', 'limit', 'x'), malformedText, { maxKeys: 3 });

    await fc.assert(
      fc.asyncProperty(fc.tuple(...names.map(param)), query, authorization, body, async (values, search, auth, text) => {
        // A URL carries bytes: a lone surrogate reaches a handler as U+FFFD, as API Gateway would decode it.
        const pathParameters = Object.fromEntries(names.map((name, index) => [name, Buffer.from(values[index] as string, 'utf8').toString('utf8')]));
        const rawPath = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(pathParameters[name] ?? ''));
        const qs = new URLSearchParams(Object.entries(search).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('utf8')])).toString();
        const event = apiEvent({
          method: route.method,
          path: `${rawPath}${qs ? `?${qs}` : ''}`,
          routeKey: routeKeyOf(route),
          pathParameters,
          headers: { authorization: auth, 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
          ...(route.method === 'GET' ? {} : { body: text }),
        });
        const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
        expect(response.statusCode, `${routeKeyOf(route)} answered ${response.statusCode}: ${response.body}`).toBeLessThan(500);
        expect(response.body ?? '').not.toMatch(/\n\s+at |\.ts:\d+/);
      }),
      { numRuns: 100 },
    );
  });

  it.each([
    ['PUT /marketo/instances/{munchkinId}', '999-FZZ-999', 'restEndpoint', 'not a url'],
    ['PUT /marketo/instances/{munchkinId}', '999-FZZ-999', 'identityEndpoint', 'https://%zz'],
    ['PUT /campaign/accounts/{account}', 'fuzz-written-account', 'imsServer', 'http://[::1'],
    ['PUT /campaign/accounts/{account}', 'fuzz-written-account', 'callbackServer', 'https://user:pass@fuzz.campaign.example'],
  ])('%s answers 400 naming the URL field: %s = %s', async (key, id, field, value) => {
    const route = routes.find((candidate) => routeKeyOf(candidate) === key) as RouteDef;
    const handler = await loadHandler(functionNamed(route.function), process.cwd());
    const [name] = paramNames(route.path);
    const response = (await handler(
      apiEvent({
        method: 'PUT',
        path: route.path.replace(/\{\w+\}/, id),
        routeKey: key,
        pathParameters: { [name as string]: id },
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ ...examples[key], [field]: value }),
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    expect(response.statusCode).toBe(400);
    const error = JSON.parse(response.body ?? '{}').error as { code: string; details: Array<{ path: string }> };
    expect(error.code).toBe('validation_failed');
    expect(error.details.map((detail) => detail.path)).toEqual([field]);
  });
});
