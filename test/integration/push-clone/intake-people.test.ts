import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptActivation } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { inboxItems } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { ingestInbox } from '#functions/push-clone/core/ingest/ingest-inbox.ts';
import { keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { readQuarantine } from '#functions/push-clone/core/ingest/quarantine.ts';
import { demo } from '#local/demo-identities.ts';
import { pushCloneWorld, saveTestDestination, type PushCloneWorld } from './setup-world';

/**
 * Intake end to end on DynamoDB Local: what the webhook accepts becomes one
 * person per profile, audiences are (namespace, id), refused timestamps never
 * become keys, and a record the table cannot hold is quarantined while the
 * rest of the instance's inbox goes on.
 */
describe('intake: one person per profile, facts only, nothing stops the instance', () => {
  let world: PushCloneWorld;
  beforeAll(async () => {
    world = await pushCloneWorld('push-intake-people');
    await saveTestDestination(world, 'people', {
      name: 'People',
      personCreationMode: 'createMissing',
      audiences: [
        { audienceId: 'aud-1', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' },
        { audienceId: 'upl-1', namespace: 'CustomerAudienceUpload', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' },
      ],
    });
  });
  afterAll(() => world.stop());

  const deliver = (profiles: unknown[]) =>
    acceptActivation(world.ports, { destinationId: 'people', authorization: `Bearer ${world.webhookToken}`, imsOrgId: world.imsOrgId, body: JSON.stringify(profiles) });
  const membership = async (audienceId: string, email: string) => {
    const item = await world.ports.store.get(keys.membership('people', audienceId, email));
    return item ? membershipSchema.parse(item) : undefined;
  };
  const memberships = async (audienceId: string) => (await world.ports.store.queryAllOf(keys.membershipPartitions('people', audienceId), {  })).map((item) => membershipSchema.parse(item));
  const profile = (emails: string[], ups: Record<string, unknown>, other: Record<string, unknown> = {}) => ({
    identityMap: { Email: emails.map((id) => ({ id })), ECID: [{ id: '14575006536349286404619648085736425115' }] },
    segmentMembership: { ups, ...other },
  });

  it('makes one person of a profile with three emails, and an exit naming only an alias removes that person', async () => {
    await deliver([profile(['ann@example.com', 'ann.work@example.com', 'ann.old@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    expect((await memberships('aud-1')).map((person) => person.email)).toEqual(['ann@example.com']);
    // Later AEP lists the profile with another email first (or without the first at all).
    await deliver([profile(['ann.old@example.com'], { 'aud-1': { status: 'exited', lastQualificationTime: '2026-01-02T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    expect((await memberships('aud-1')).map((person) => [person.email, person.desired])).toEqual([['ann@example.com', 'out']]);
  });

  it('keeps the person of a known email when a new primary email appears first', async () => {
    await deliver([profile(['bob@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } })]);
    await deliver([profile(['robert@example.com', 'bob@example.com'], { 'aud-1': { status: 'exited', lastQualificationTime: '2026-01-03T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    expect(await membership('aud-1', 'robert@example.com')).toBeUndefined();
    expect(await membership('aud-1', 'bob@example.com')).toMatchObject({ desired: 'out' });
  });

  it('finds the person of a known email met in an earlier ingest, with no alias ever written for a one-email profile', async () => {
    await deliver([profile(['carl@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    expect(await world.ports.store.get(keys.alias('people', 'carl@example.com'))).toBeUndefined();
    await deliver([profile(['karl@example.com', 'carl@example.com'], { 'aud-1': { status: 'exited', lastQualificationTime: '2026-01-03T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    expect(await membership('aud-1', 'karl@example.com')).toBeUndefined();
    expect(await membership('aud-1', 'carl@example.com')).toMatchObject({ desired: 'out' });
    // The new email now names carl; carl stays his own person without an alias of his own.
    expect(await world.ports.store.get(keys.alias('people', 'karl@example.com'))).toMatchObject({ person: 'carl@example.com' });
    expect(await world.ports.store.get(keys.alias('people', 'carl@example.com'))).toBeUndefined();
  });

  it('keeps two people apart when a later profile names both: each stays their own person', async () => {
    await deliver([profile(['dora@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    await deliver([profile(['dan@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    await deliver([profile(['dora@example.com', 'dan@example.com'], { 'aud-1': { status: 'exited', lastQualificationTime: '2026-01-02T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    expect(await membership('aud-1', 'dora@example.com')).toMatchObject({ desired: 'out' });
    expect(await membership('aud-1', 'dan@example.com')).toMatchObject({ desired: 'in' });
    // dan's own exit still reaches dan, not dora.
    await deliver([profile(['dan@example.com'], { 'aud-1': { status: 'exited', lastQualificationTime: '2026-01-04T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    expect(await membership('aud-1', 'dan@example.com')).toMatchObject({ desired: 'out' });
    expect(await world.ports.store.get(keys.alias('people', 'dan@example.com'))).toBeUndefined();
  });

  it('takes the first email in resolution order that names a person, whether it is one or an alias names one', async () => {
    await deliver([profile(['erin@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } })]);
    await deliver([profile(['fay@example.com', 'gus@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    await deliver([profile(['erin@example.com', 'gus@example.com'], { 'aud-1': { status: 'exited', lastQualificationTime: '2026-01-02T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    expect(await membership('aud-1', 'erin@example.com')).toMatchObject({ desired: 'out' });
    expect(await membership('aud-1', 'fay@example.com')).toMatchObject({ desired: 'in' });
  });

  it('lets an entry under another namespace never touch a mapped audience', async () => {
    const result = await deliver([
      profile(['cy@example.com'], { 'aud-1': { status: 'exited', lastQualificationTime: '2026-01-01T00:00:00Z' } }, {
        CustomerAudienceUpload: { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-05T00:00:00Z' }, 'upl-1': { status: 'realized', lastQualificationTime: '2026-01-05T00:00:00Z' } },
      }),
    ]);
    expect(result.refused).toEqual({ other_namespace: 1 });
    await ingestInbox(world.ports, world.munchkinId);
    expect(await membership('aud-1', 'cy@example.com')).toMatchObject({ desired: 'out' });
    expect(await membership('upl-1', 'cy@example.com')).toMatchObject({ desired: 'in' });
  });

  it('refuses a bad timestamp and counts it, and a later genuine exit still wins', async () => {
    await deliver([profile(['dee@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: '2026-01-01T00:00:00Z' } })]);
    const bad = await deliver([
      profile(['dee@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: 1e300 } }),
      profile(['dee@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: '9999-12-31T00:00:00Z' } }),
      profile(['dee@example.com'], { 'aud-1': { status: 'realized', lastQualificationTime: 'garbage' } }),
    ]);
    expect(bad).toMatchObject({ accepted: 0, refused: { bad_timestamp: 3 }, refusedByAudience: { 'aud-1': { bad_timestamp: 3 } } });
    await deliver([profile(['dee@example.com'], { 'aud-1': { status: 'exited', lastQualificationTime: '2026-01-02T00:00:00Z' } })]);
    await ingestInbox(world.ports, world.munchkinId);
    expect(await membership('aud-1', 'dee@example.com')).toMatchObject({ desired: 'out', qualifiedAt: Date.parse('2026-01-02T00:00:00Z') });
  });

  it('quarantines a stored record the table cannot hold (an older inbox item with 1e300) and folds the rest', async () => {
    const now = world.ports.clock.now();
    await world.ports.store.putMany(
      inboxItems(world.munchkinId, 'people', now, [
        { audienceId: 'aud-1', email: 'huge@example.com', presence: 'in', qualifiedAt: 1e300, attributes: {} },
        { audienceId: 'aud-1', email: 'fine@example.com', presence: 'in', qualifiedAt: Date.parse('2026-01-01T00:00:00Z'), attributes: {} },
      ]),
    );
    const result = await ingestInbox(world.ports, world.munchkinId);
    expect(result).toMatchObject({ quarantined: 1, applied: 1 });
    expect(await membership('aud-1', 'fine@example.com')).toMatchObject({ desired: 'in' });
    expect(await membership('aud-1', 'huge@example.com')).toBeUndefined();
    const view = await readQuarantine(world.ports.store, 'people', world.ports.clock.now());
    expect(view.byReason).toEqual({ bad_timestamp: 1 });
    expect(view.entries[0]).toMatchObject({ audienceId: 'aud-1', subject: 'huge@example.com', reason: 'bad_timestamp', stage: 'ingest' });
    expect(await world.ports.store.queryAll({ partition: keys.inboxPartition(world.munchkinId), consistent: true })).toEqual([]);
  });
});
