import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestInbox } from '#functions/push-clone/core/ingest/ingest-inbox.ts';
import { handler as apiHandler } from '#functions/push-clone/handler-api.ts';
import { handler } from '#functions/push-clone/handler-webhook.ts';
import { readInstance } from '#shared/instances/instance-store.ts';
import { marketoClientFor } from '#shared/instances/marketo-for-instance.ts';
import { repoRoot } from '#local/runtime.ts';
import { callHandler } from '#test/support/http-events.ts';
import { adminToken } from '#test/support/local-ports.ts';
import { listEmails, runUntilDone } from './runner-world';
import { pushCloneWorld, saveTestDestination, type PushCloneWorld } from './setup-world';

/** A fixture as Adobe's page shows it (test/fixtures/aep/README.md names the page of each). */
const fixture = (name: string) => readFileSync(`${repoRoot}/test/fixtures/aep/${name}`, 'utf8');
const compose = (...profiles: string[]) => `{"profiles":[${profiles.join(',')}]}`;
/** A destination's audiences, each mapped to its list, all starting on one date. */
const audiencesFrom = (startDate: string, listByAudience: Record<string, number>) =>
  Object.entries(listByAudience).map(([audienceId, mappingId]) => ({ audienceId, mappingId, startDate }));

/**
 * Adobe's documented example bodies, verbatim, through the real webhook, ingest
 * and runner into the Marketo sandbox's lists: the right people in the right
 * lists, one Marketo person per profile, exits reaching aliases; and a replay
 * after fixing a wrong identity setting lands the people the first pass refused.
 */
describe("Adobe's documented AEP bodies land the right people in the right lists", () => {
  let world: PushCloneWorld;
  const LISTS = { exited: 5001, realizedA: 5002, realizedB: 5003, dsdkA: 5011, dsdkB: 5012, dsdkExited: 5013, streaming: 5021 };
  beforeAll(async () => {
    world = await pushCloneWorld('push-aep-fixtures');
    for (const [name, id] of Object.entries(LISTS)) world.sandbox.addList(`fixture ${name}`, id);
    await saveTestDestination(world, 'http-api', {
      name: 'HTTP API destination',
      // A wrong identity setting first: the HTTP API example has no Email namespace.
      emailSources: [{ namespace: 'Email' }],
      audiences: audiencesFrom('2021-01-01', {
        '7841ba61-23c1-4bb3-a495-00d3g5fe1e93': LISTS.exited,
        '59bd2fkd-3c48-4b18-bf56-4f5c5e6967ae': LISTS.realizedA,
        '947c1c46-008d-40b0-92ec-3af86eaf41c1': LISTS.realizedB,
      }),
    });
    await saveTestDestination(world, 'dsdk', {
      name: 'Destination SDK destination',
      audiences: audiencesFrom('2019-01-01', {
        '36a51c13-9dd6-4d2c-8aa3-07d785ea5075': LISTS.dsdkA,
        '788d8874-8007-4253-92b7-ee6b6c20c6f3': LISTS.dsdkB,
        '8f812592-3f06-416b-bd50-e7831848a31a': LISTS.dsdkExited,
      }),
    });
    await saveTestDestination(world, 'streaming', {
      name: 'Streaming test profiles',
      audiences: audiencesFrom('2021-01-01', { '03fb9938-8537-4b4c-87f9-9c4d413a0ee5': LISTS.streaming }),
    });
  });
  afterAll(() => world.stop());

  const post = (destinationId: string, body: string) =>
    callHandler(handler, {
      method: 'POST',
      path: `/push-clone/destinations/${destinationId}/activations`,
      routeKey: 'POST /push-clone/destinations/{destinationId}/activations',
      pathParameters: { destinationId },
      headers: { authorization: `Bearer ${world.webhookToken}`, 'x-gw-ims-org-id': world.imsOrgId },
      body,
    });
  const admin = async (method: 'PUT' | 'POST', path: string, routeKey: string, destinationId: string, body: unknown) =>
    callHandler(apiHandler, { method, path, routeKey, pathParameters: { destinationId }, headers: { authorization: `Bearer ${await adminToken()}` }, body: JSON.stringify(body) });
  const push = async () => {
    await ingestInbox(world.ports, world.munchkinId);
    const instance = await readInstance(world.ports.store, world.munchkinId);
    if (!instance) throw new Error('instance not registered');
    await runUntilDone({ store: world.ports.store, clock: world.ports.clock, marketo: marketoClientFor(instance, world.ports) }, world.munchkinId);
  };
  const list = (id: number) => listEmails(world.sandbox, id);

  it('Destination SDK message-format profiles: one person per profile, exited stays out, attributes from "attributes"', async () => {
    const both = await post('dsdk', compose(fixture('dsdk-segments-identities-profile-1.json'), fixture('dsdk-segments-identities-profile-2.json')));
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject({ profiles: 2, acceptedProfiles: 2, accepted: 4, refused: {} });
    const harry = await post('dsdk', fixture('dsdk-attributes-profile-2.json'));
    expect(harry.body).toMatchObject({ acceptedProfiles: 1, accepted: 1 });
    await push();
    // Profile 1 has two emails (johndoe@, jd@): one Marketo person, the first.
    expect(list(LISTS.dsdkA)).toEqual(['harry.p@example.com', 'jane.doe@example.com', 'johndoe@example.com']);
    expect(list(LISTS.dsdkB)).toEqual(['johndoe@example.com']);
    expect(list(LISTS.dsdkExited)).toEqual([]);
    expect(world.sandbox.leadsByEmail('jd@example.com')).toEqual([]);
    expect(world.sandbox.leadsByEmail('harry.p@example.com')[0]).toMatchObject({ fields: { firstName: 'Harry' } });
  });

  it('an exit that names only the alias of profile 1 takes the person out', async () => {
    const exit = { identityMap: { email: [{ id: 'jd@example.com' }] }, segmentMembership: { ups: { '36a51c13-9dd6-4d2c-8aa3-07d785ea5075': { lastQualificationTime: '2021-09-01T00:00:00Z', status: 'exited' } } } };
    expect((await post('dsdk', JSON.stringify(exit))).body).toMatchObject({ accepted: 1 });
    await push();
    expect(list(LISTS.dsdkA)).toEqual(['harry.p@example.com', 'jane.doe@example.com']);
    expect(list(LISTS.dsdkB)).toEqual(['johndoe@example.com']);
  });

  it('profiles without an email or a membership are refused by reason, and a body with no profile shape is a 400 saying what it expected', async () => {
    expect((await post('dsdk', fixture('dsdk-aggregation-profile-4.json'))).body).toMatchObject({ accepted: 0, refused: { unresolvable_identity: 1 } });
    expect((await post('dsdk', fixture('dsdk-identity-aggregation-profile-1.json'))).body).toMatchObject({ accepted: 0, refused: { no_membership: 1 } });
    expect((await post('dsdk', fixture('dsdk-result-segments-identities-attributes.json'))).body).toMatchObject({ profiles: 2, accepted: 0, refused: { no_membership: 2 } });
    expect((await post('dsdk', fixture('streaming-testing-request-profiles.json'))).body).toMatchObject({ accepted: 0, refused: { unresolvable_identity: 1 } });
    const shapeless = await post('dsdk', fixture('dsdk-result-identity-aggregation.json'));
    expect(shapeless.status).toBe(400);
    expect(shapeless.body.error).toMatchObject({ code: 'unreadable_activation', message: expect.stringContaining('segmentMembership') });
  });

  it("the streaming test API's input profile lands by personalEmail.address, microsecond timestamps read", async () => {
    expect((await post('streaming', fixture('streaming-testing-input-profiles.json'))).body).toMatchObject({ accepted: 1, refused: { unmapped_audience: 1 } });
    await push();
    expect(list(LISTS.streaming)).toEqual(['john.smith@abc.com']);
  });

  it('the HTTP API export: refused under a wrong identity setting, landed by a replay after the fix, and a second replay changes nothing', async () => {
    const from = new Date(world.ports.clock.now() - 1_000).toISOString();
    const first = await post('http-api', fixture('http-api-exported-data.json'));
    expect(first.body).toMatchObject({ accepted: 0, refused: { unresolvable_identity: 1 }, refusedByAudience: { '59bd2fkd-3c48-4b18-bf56-4f5c5e6967ae': { unresolvable_identity: 1 } } });
    await push();
    expect(list(LISTS.realizedA)).toEqual([]);

    // The admin fixes the identity setting (the default reads personalEmail.address) and replays the window.
    const saved = await admin('PUT', '/push-clone/destinations/http-api', 'PUT /push-clone/destinations/{destinationId}', 'http-api', {
      name: 'HTTP API destination',
      munchkinId: world.munchkinId,
      personCreationMode: 'createMissing',
      audiences: audiencesFrom('2021-01-01', {
        '7841ba61-23c1-4bb3-a495-00d3g5fe1e93': LISTS.exited,
        '59bd2fkd-3c48-4b18-bf56-4f5c5e6967ae': LISTS.realizedA,
        '947c1c46-008d-40b0-92ec-3af86eaf41c1': LISTS.realizedB,
      }),
    });
    expect(saved.status).toBe(200);
    const replay = () => admin('POST', '/push-clone/destinations/http-api/replay', 'POST /push-clone/destinations/{destinationId}/replay', 'http-api', { from });
    const replayed = await replay();
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ deliveries: 1, acceptedProfiles: 1, accepted: 3, refused: { unmapped_audience: 1 } });
    await push();
    expect(list(LISTS.realizedA)).toEqual(['john.doe@acme.com']);
    expect(list(LISTS.realizedB)).toEqual(['john.doe@acme.com']);
    expect(list(LISTS.exited)).toEqual([]);
    expect(world.sandbox.leadsByEmail('john.doe@acme.com')[0]).toMatchObject({ fields: { firstName: 'John', lastName: 'Doe' } });

    const leadsBefore = world.sandbox.leads().length;
    expect((await replay()).body).toMatchObject({ deliveries: 1, accepted: 3 });
    const again = await ingestInbox(world.ports, world.munchkinId);
    expect(again).toMatchObject({ records: 3, applied: 0 });
    expect(world.sandbox.leads().length).toBe(leadsBefore);
  });
});
