import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptActivation } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { ingestInbox } from '#functions/push-clone/core/ingest/ingest-inbox.ts';
import { keys, MARKETO_CALLS_FIELD, statsFieldFor, STATS_LAST_ERROR_FIELD, STATS_LAST_RUN_FIELD } from '#functions/push-clone/core/model.ts';
import { handler } from '#functions/push-clone/handler-api.ts';
import { demo } from '#local/demo-identities.ts';
import { centralDay } from '#shared/marketo/index.ts';
import { callHandler } from '#test/support/http-events.ts';
import { adminToken } from '#test/support/local-ports.ts';
import { aepProfile } from '#test/unit/push-clone/parser-profiles.ts';
import { pushCloneWorld, saveTestDestination, type PushCloneWorld } from './setup-world';

describe('GET /push-clone/destinations/{destinationId}', () => {
  let world: PushCloneWorld;
  beforeAll(async () => {
    world = await pushCloneWorld('push-status');
    await saveTestDestination(world, 'status', { name: 'Status', personCreationMode: 'matchExistingOnly', audiences: [
        { audienceId: 'aud-a', mappingId: demo.marketo.emptyListId, startDate: '2025-01-01' },
        { audienceId: 'aud-b', mappingId: demo.marketo.emptyListId, startDate: '2099-01-01', endDate: '2099-02-01' },
      ] });
    // AEP always sends lastQualificationTime; records without one are refused (see the a5 profile).
    const at = '2026-01-01T00:00:00Z';
    const profile = (email: string, audiences: Record<string, { status: string; at?: string }>) =>
      aepProfile({ emails: [email], audiences: Object.fromEntries(Object.entries(audiences).map(([id, membership]) => [id, { at, ...membership }])) });
    await acceptActivation(world.ports, {
      destinationId: 'status',
      authorization: `Bearer ${world.webhookToken}`,
      imsOrgId: world.imsOrgId,
      body: JSON.stringify([
        profile('a1@example.com', { 'aud-a': { status: 'realized' }, 'aud-b': { status: 'realized' } }),
        profile('a2@example.com', { 'aud-a': { status: 'existing' }, 'aud-b': { status: 'realized' } }),
        profile('a3@example.com', { 'aud-a': { status: 'realized' } }),
        profile('a4@example.com', { 'aud-a': { status: 'exited' } }),
        profile('a5@example.com', { 'aud-a': { status: 'realized', at: 'not a time' } }),
      ]),
    });
    await ingestInbox(world.ports, world.munchkinId);
    // What the runner writes after a batch, with the field names it shares with the status read.
    const added = statsFieldFor({ kind: 'added' });
    const notFound = statsFieldFor({ kind: 'skipped', reason: 'not_found_in_marketo' });
    await world.ports.store.update(keys.stats('status', 'aud-a'), {
      expression: 'ADD #added :five, #notFound :two SET #lastRun = :at, #lastError = :error',
      names: { '#added': added, '#notFound': notFound, '#lastRun': STATS_LAST_RUN_FIELD, '#lastError': STATS_LAST_ERROR_FIELD },
      values: { ':five': 5, ':two': 2, ':at': '2026-02-01T10:00:00.000Z', ':error': 'Marketo was unavailable (608)' },
    });
    await world.ports.store.update(keys.callsPerDay(world.munchkinId, centralDay(Date.now())), {
      expression: 'ADD #calls :seven',
      names: { '#calls': MARKETO_CALLS_FIELD },
      values: { ':seven': 7 },
    });
  });
  afterAll(() => world.stop());

  const get = async (destinationId: string, token?: string) =>
    callHandler(handler, {
      method: 'GET',
      path: `/push-clone/destinations/${destinationId}`,
      routeKey: 'GET /push-clone/destinations/{destinationId}',
      pathParameters: { destinationId },
      headers: { authorization: `Bearer ${token ?? (await adminToken())}` },
    });

  it('shows the setup, pending people per audience, what the runner did, and Marketo calls today', async () => {
    const response = await get('status');
    expect(response.status).toBe(200);
    expect(response.body.destination).toMatchObject({ destinationId: 'status', personCreationMode: 'matchExistingOnly', state: 'active' });
    expect(response.body.audiences).toEqual([
      expect.objectContaining({
        audienceId: 'aud-a',
        phase: 'syncing',
        pending: 3,
        pendingNotYetDue: 0,
        added: 5,
        removed: 0,
        failed: 0,
        expired: 0,
        skipped: { not_found_in_marketo: 2 },
        refused: { bad_timestamp: 1 },
        lastRunAt: '2026-02-01T10:00:00.000Z',
        lastError: 'Marketo was unavailable (608)',
      }),
      expect.objectContaining({ audienceId: 'aud-b', phase: 'scheduled', pending: 2, pendingNotYetDue: 2, added: 0, skipped: {} }),
    ]);
    expect(response.body.marketoCallsToday).toEqual({ day: centralDay(Date.now()), calls: 7 });
    expect(response.body.intake).toMatchObject({ deliveries: 1, profiles: 5, acceptedProfiles: 4, deliveriesWithNoneAccepted: 0, refused: { bad_timestamp: 1 } });
    expect(response.body.quarantine).toEqual({ count: 0, byReason: {}, entries: [] });
  });

  it('answers 404 for an unknown destination', async () => {
    expect((await get('no-such')).status).toBe(404);
  });

  it('refuses an admin without the permission or the instance', async () => {
    expect((await get('status', await adminToken({ permissions: ['marketo-admin'] }))).status).toBe(403);
    expect((await get('status', await adminToken({ instances: ['111-AAA-111'] }))).body.error.code).toBe('instance_not_allowed');
  });
});

describe('statsFieldFor: the counter names the runner and the status share', () => {
  it.each([
    [{ kind: 'added' as const }, 'added'],
    [{ kind: 'removed' as const }, 'removed'],
    [{ kind: 'failed' as const, reason: '1006' }, 'failed'],
    [{ kind: 'expired' as const }, 'expired'],
    [{ kind: 'skipped' as const, reason: 'not_found_in_marketo' }, 'skipped_not_found_in_marketo'],
    [{ kind: 'skipped' as const, reason: '1007' }, 'skipped_1007'],
    [{ kind: 'skipped' as const, reason: 'odd reason/with #marks' }, 'skipped_odd_reason_with__marks'],
    [{ kind: 'skipped' as const }, 'skipped_unspecified'],
  ])('names %o %s', (outcome, field) => {
    expect(statsFieldFor(outcome)).toBe(field);
  });
});
