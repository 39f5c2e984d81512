import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '#functions/push-clone/core/model.ts';
import { adminToken } from '#test/support/local-ports.ts';
import { destinationApi, deliver, listEmails, tick } from './admin-world';
import { pushCloneWorld, type PushCloneWorld } from './setup-world';

/** Issue 8, item 4: destinations as things you manage: list, pause, resume, delete (keep the lists, or remove whom this destination added). */
describe('destinations as things you manage', () => {
  let world: PushCloneWorld;
  let listId: number;
  beforeAll(async () => {
    world = await pushCloneWorld('push-lifecycle');
    listId = world.sandbox.addList('shared list').id;
    // Someone was in the list before orgbridge: no deletion may take them out.
    const before = world.sandbox.addLead({ email: 'already.there@example.com' });
    world.sandbox.addToList(listId, [before.id]);
  });
  afterAll(() => world.stop());

  const body = (name: string, audienceId: string) => ({
    name,
    munchkinId: world.munchkinId,
    personCreationMode: 'createMissing',
    audiences: [{ audienceId, mappingId: listId, startDate: '2025-01-01' }],
  });
  const realize = (audienceId: string, emails: string[]) => emails.map((email) => ({ audienceId, email, presence: 'in' as const }));

  it('lists an instance\'s destinations with their status, and only for admins of that instance', async () => {
    expect((await destinationApi.put('alpha', body('Alpha', 'aud-a'))).status).toBe(201);
    expect((await destinationApi.put('beta', body('Beta', 'aud-b'))).status).toBe(201);
    await deliver(world, 'alpha', realize('aud-a', ['ann@example.com', 'ben@example.com', 'cat@example.com']));
    await deliver(world, 'beta', realize('aud-b', ['cat@example.com', 'dan@example.com']));
    await tick(world);
    expect(listEmails(world, listId)).toEqual(['already.there@example.com', 'ann@example.com', 'ben@example.com', 'cat@example.com', 'dan@example.com']);

    const listed = await destinationApi.list(world.munchkinId);
    expect(listed.status).toBe(200);
    expect(listed.body.destinations).toEqual([
      expect.objectContaining({ destinationId: 'alpha', name: 'Alpha', paused: false, deleting: false, state: 'active', lastRun: expect.any(String), audiences: [expect.objectContaining({ audienceId: 'aud-a', added: 3, pending: 0 })] }),
      expect.objectContaining({ destinationId: 'beta', audiences: [expect.objectContaining({ audienceId: 'aud-b', added: 2 })] }),
    ]);
    expect((await destinationApi.list()).status).toBe(400);
    const otherInstance = await adminToken({ instances: ['111-AAA-111'] });
    const { callApi } = await import('./admin-world');
    const refused = await callApi('GET', `/push-clone/destinations?munchkinId=${world.munchkinId}`, 'GET /push-clone/destinations', {}, undefined, otherInstance);
    expect(refused.status).toBe(403);
  });

  it('pauses (pending work waits, nothing lost) and resumes', async () => {
    const paused = await destinationApi.action('alpha', 'pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ destinationId: 'alpha', paused: true });
    await deliver(world, 'alpha', realize('aud-a', ['eve@example.com']));
    await tick(world);
    expect(listEmails(world, listId)).not.toContain('eve@example.com');
    const waiting = await destinationApi.status('alpha');
    expect(waiting.body).toMatchObject({ paused: true, audiences: [expect.objectContaining({ pending: 1 })] });
    // A save keeps the pause: pausing is its own action.
    expect((await destinationApi.put('alpha', body('Alpha', 'aud-a'))).body.paused).toBe(true);
    expect((await destinationApi.person('alpha', 'eve@example.com')).body.audiences[0].current).toMatchObject({ state: 'pending', inList: 'never added' });

    const resumed = await destinationApi.action('alpha', 'resume');
    expect(resumed.body).toMatchObject({ paused: false });
    await tick(world);
    expect(listEmails(world, listId)).toContain('eve@example.com');
    expect((await destinationApi.status('alpha')).body.audiences[0]).toMatchObject({ pending: 0, added: 4 });
  });

  it('refuses a delete without the lists choice', async () => {
    const refused = await destinationApi.remove('alpha');
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.error)).toContain('lists=keep or lists=removeAdded');
    expect((await destinationApi.status('alpha')).body.deleting).toBe(false);
  });

  it('deletes with removeAdded: only the people this destination added leave the list', async () => {
    const deleted = await destinationApi.remove('alpha', 'removeAdded');
    expect(deleted).toEqual({ status: 202, body: { deleted: true, lists: 'removeAdded', removal: { pending: 4 } } });
    expect((await destinationApi.status('alpha')).body.deleting).toBe(true);
    expect((await destinationApi.put('alpha', body('Alpha', 'aud-a'))).body.error.code).toBe('destination_deleting');

    await tick(world);
    // ann, ben and eve leave; cat stays (beta added her too); dan (beta's) and the person who was there before stay.
    expect(listEmails(world, listId)).toEqual(['already.there@example.com', 'cat@example.com', 'dan@example.com']);
    expect((await destinationApi.status('alpha')).status).toBe(404);
    expect(await world.ports.store.get(keys.membership('alpha', 'aud-a', 'ann@example.com'))).toBeUndefined();
    expect(await world.ports.store.get(keys.stats('alpha', 'aud-a'))).toBeUndefined();
    expect((await destinationApi.list(world.munchkinId)).body.destinations.map((destination: { destinationId: string }) => destination.destinationId)).toEqual(['beta']);
  });

  it('deletes with keep: the list stays as it is', async () => {
    const deleted = await destinationApi.remove('beta', 'keep');
    expect(deleted).toEqual({ status: 202, body: { deleted: true, lists: 'keep', removal: { pending: 0 } } });
    const removesBefore = world.sandbox.stats().callsByKind.removeFromList;
    await tick(world);
    expect(world.sandbox.stats().callsByKind.removeFromList).toBe(removesBefore);
    expect(listEmails(world, listId)).toEqual(['already.there@example.com', 'cat@example.com', 'dan@example.com']);
    expect((await destinationApi.status('beta')).status).toBe(404);
    expect(await world.ports.store.get(keys.instanceDestination(world.munchkinId, 'beta'))).toBeUndefined();
  });

  it('needs push-clone-admin for every action', async () => {
    expect((await destinationApi.put('gamma', body('Gamma', 'aud-g'))).status).toBe(201);
    const token = await adminToken({ permissions: ['marketo-admin'] });
    for (const action of ['pause', 'resume', 'retry-failed'] as const) {
      expect((await destinationApi.action('gamma', action, token)).body.error.code).toBe('missing_permission');
    }
  });
});
