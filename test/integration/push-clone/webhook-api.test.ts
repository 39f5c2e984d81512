import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestInbox } from '#functions/push-clone/core/ingest/ingest-inbox.ts';
import { keys, membershipSchema, workMarkerSchema } from '#functions/push-clone/core/model.ts';
import { demo } from '#local/demo-identities.ts';
import { apiEvent, captureOutput, lambdaContext } from '#test/support/http-events.ts';
import { aepProfile, manyProfiles } from '#test/unit/push-clone/parser-profiles.ts';
import { pushCloneWorld, saveTestDestination, type PushCloneWorld } from './setup-world';

const MAX_BODY_BYTES = 1_000_000;

describe('POST /push-clone/destinations/{destinationId}/activations', () => {
  let world: PushCloneWorld;
  let handler: (typeof import('#functions/push-clone/handler-webhook.ts'))['handler'];
  beforeAll(async () => {
    world = await pushCloneWorld('push-webhook', { MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    // The logger reads its level when the module loads: load it at INFO so the log lines can be inspected.
    process.env.LOG_LEVEL = 'INFO';
    ({ handler } = await import('#functions/push-clone/handler-webhook.ts'));
    await saveTestDestination(world, 'wh', { name: 'Webhook test', personCreationMode: 'createMissing', audiences: [
        { audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' },
        { audienceId: 'aud-2', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' },
      ] });
  });
  afterAll(() => world.stop());

  const post = async (body: unknown, options: { destinationId?: string; token?: string | null; org?: string | null } = {}) => {
    const destinationId = options.destinationId ?? 'wh';
    const headers: Record<string, string> = {};
    if (options.token !== null) headers.authorization = `Bearer ${options.token ?? world.webhookToken}`;
    // AEP is set up to send the org header (docs/aep-setup.md); it is required.
    if (options.org !== null) headers['x-gw-ims-org-id'] = options.org ?? demo.org.id;
    const { result, output } = await captureOutput(() =>
      handler(
        apiEvent({
          method: 'POST',
          path: `/push-clone/destinations/${destinationId}/activations`,
          routeKey: 'POST /push-clone/destinations/{destinationId}/activations',
          pathParameters: { destinationId },
          headers,
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
        lambdaContext(),
      ),
    );
    return { status: result.statusCode, body: JSON.parse(result.body ?? '{}') as Record<string, any>, output };
  };
  const inbox = () => world.ports.store.queryAll({ partition: keys.inboxPartition(world.munchkinId), consistent: true });
  const drain = () => ingestInbox(world.ports, world.munchkinId);
  const AT = '2026-01-02T08:15:00Z';
  const jane = aepProfile({ emails: ['jane.doe@example.com'], audiences: { 'aud-1': { status: 'realized', at: '2026-01-02T08:15:00.000+0000' } }, person: { firstName: 'Jane' } });

  it.each([
    ['no Authorization header', null],
    ['a wrong token of the same length', 'x'.repeat(demo.aepWebhookToken.length)],
    ['a wrong token of another length', 'nope'],
  ])('answers 401 to %s and keeps nothing', async (_label, token) => {
    const before = (await inbox()).length;
    const response = await post([jane], { token });
    expect(response.status).toBe(401);
    expect((await inbox()).length).toBe(before);
  });

  it('answers 401 for a destination that does not exist, as for a wrong token (credentials are per destination)', async () => {
    const response = await post([jane], { destinationId: 'nowhere' });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_token');
  });

  it('refuses an activation from another IMS org with 403, and accepts its own org in any case', async () => {
    const other = await post([jane], { org: demo.otherOrg.id });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('ims_org_mismatch');
    const own = await post([jane], { org: demo.org.id.toLowerCase() });
    expect(own.status).toBe(200);
    const missing = await post([jane], { org: null });
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('ims_org_required');
  });

  it('answers 413 to a body over the limit', async () => {
    const response = await post(manyProfiles(5000, 'aud-1'));
    expect(response.status).toBe(413);
  });

  it.each([
    ['text', 'this is not json'],
    ['an object with no profile', { hello: 'world' }],
    ['an array of numbers', [1, 2, 3]],
  ])('answers 400 unreadable_activation to %s', async (_label, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('unreadable_activation');
  });

  it.each([
    ['an array of profiles', [jane]],
    ['{ profiles: [...] } with aggregation keys', { segment: { id: 'aud-1' }, profiles: [jane] }],
    ['one profile', jane],
    ['a Z timestamp', aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized', at: '2026-01-02T08:15:00Z' } } })],
    ['a +0000 timestamp without millis', aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'existing', at: '2026-01-02T08:15:00+0000' } } })],
    ['a lower-case email namespace', aepProfile({ namespaceKey: 'email', emails: ['a@example.com'], audiences: { 'aud-1': { status: 'exited', at: AT } } })],
    ['attributes as { value } and {}', aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized', at: AT } }, person: { firstName: { value: 'A' }, lastName: {} } })],
    ['unknown fields and unmapped audiences', aepProfile({ emails: ['a@example.com'], audiences: { 'aud-1': { status: 'realized', at: AT }, 'aud-x': { status: 'realized', at: AT } }, extra: { labels: ['x'], _custom: { a: 1 } } })],
    ['identities as a namespace map (a Destination SDK template)', { identities: { Email: [{ id: 'a@example.com' }] }, segmentMembership: { ups: { 'aud-1': { status: 'realized', lastQualificationTime: AT } } } }],
  ])('accepts %s', async (_label, body) => {
    const response = await post(body);
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(1);
  });

  it('answers with counts of what it accepted and refused, by reason and per audience', async () => {
    const response = await post([
      aepProfile({ emails: ['one@example.com', 'two@example.com'], audiences: { 'aud-1': { status: 'realized', at: AT }, 'aud-2': { status: 'exited', at: AT }, 'aud-x': { status: 'realized', at: AT } } }),
      aepProfile({ audiences: { 'aud-1': { status: 'realized', at: AT } } }),
      aepProfile({ emails: ['three@example.com'], audiences: { 'aud-1': { status: 'qualified', at: AT }, 'aud-2': { status: 'realized', at: 1e300 } } }),
    ]);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      profiles: 3,
      acceptedProfiles: 1,
      accepted: 2,
      refused: { unmapped_audience: 1, unresolvable_identity: 1, bad_status: 1, bad_timestamp: 1 },
      refusedByAudience: { 'aud-1': { unresolvable_identity: 1, bad_status: 1 }, 'aud-2': { bad_timestamp: 1 } },
    });
    expect(response.output).toContain('"level":"WARN"');
    expect(response.output).toContain('activation refused records');
    expect(response.output).not.toContain('three@example.com');
  });

  it('answers 200 with the refusals when no profile is accepted, and logs it at WARN', async () => {
    const response = await post([aepProfile({ emails: ['late@example.com'], audiences: { 'aud-1': { status: 'realized' } } })]);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ accepted: 0, refused: { bad_timestamp: 1 } });
    expect(response.output).toContain('"noneAccepted":true');
  });

  it('keeps 1,000 profiles in a few inbox items, marks the instance as having work, and all 1,000 ingest', async () => {
    await drain();
    const markerBefore = workMarkerSchema.parse(await world.ports.store.get(keys.workMarker(world.munchkinId)));
    const response = await post(manyProfiles(1000, 'aud-2', { prefix: 'bulk' }));
    expect(response.body.accepted).toBe(1000);
    const items = await inbox();
    expect(items.length).toBeLessThanOrEqual(2);
    // Each item holds its profiles gzip-compressed, far under DynamoDB's 400 KB.
    expect(items.every((item) => item.profilesGzip instanceof Uint8Array && item.profilesGzip.length < 350_000)).toBe(true);
    const marker = workMarkerSchema.parse(await world.ports.store.get(keys.workMarker(world.munchkinId)));
    expect(marker.version).toBe(markerBefore.version + 1);
    const ingested = await drain();
    expect(ingested).toMatchObject({ records: 1000, applied: 1000, inboxItems: items.length });
    expect(await inbox()).toHaveLength(0);
    const member = await world.ports.store.get(keys.membership('wh', 'aud-2', 'bulk.999@example.com'));
    expect(membershipSchema.parse(member)).toMatchObject({ desired: 'in', applied: 'none', attributes: { firstName: 'First999', company: 'Company 999, Inc.' } });
  });

  it('logs counts, never an email', async () => {
    const response = await post(manyProfiles(3, 'aud-1', { prefix: 'private.person' }));
    expect(response.output).toContain('activation accepted');
    expect(response.output).not.toContain('"level":"WARN"');
    expect(response.output).not.toContain('private.person');
    expect(response.output).not.toContain(world.webhookToken);
  });

  it('never answers 5xx to random bodies', async () => {
    const body = fc.oneof(
      fc.array(fc.record({ segmentMembership: fc.jsonValue(), identityMap: fc.jsonValue(), person: fc.jsonValue() }, { requiredKeys: [] }), { maxLength: 3 }).map((value) => JSON.stringify(value)),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const response = await post(text);
        expect([200, 400]).toContain(response.status);
      }),
      { numRuns: 150 },
    );
  });
});
