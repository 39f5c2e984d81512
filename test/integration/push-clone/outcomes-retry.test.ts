import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, membershipSchema } from '#functions/push-clone/core/model.ts';
import { writeBack } from '#functions/push-clone/core/marketo-batch/write-back.ts';
import { planRetry } from '#functions/push-clone/core/outcomes/person-history.ts';
import { RETRY_BACKOFF } from '#functions/push-clone/core/outcomes/outcome-reasons.ts';
import { destinationApi, deliver, listEmails, tick } from './admin-world';
import { pushCloneWorld, type PushCloneWorld } from './setup-world';

/**
 * Issue 8, item 1: every failed or skipped person keeps a reason an admin can
 * act on; failures wait for the fix (or retry by themselves when transient);
 * skips stay skipped.
 */
describe('per-person outcomes that lead somewhere', () => {
  let world: PushCloneWorld;
  beforeAll(async () => {
    world = await pushCloneWorld('push-outcomes');
  });
  afterAll(() => world.stop());

  const setup = (listId: number, fieldMappings: Array<{ source: string; target: string }>, extra: Record<string, unknown> = {}) => ({
    name: 'Colours',
    munchkinId: world.munchkinId,
    personCreationMode: 'createMissing',
    fieldMappings,
    audiences: [{ audienceId: 'aud-colour', mappingId: listId, startDate: '2025-01-01' }],
    ...extra,
  });
  const syncCalls = () => world.sandbox.stats().callsByKind.syncLeads;

  it('shows a bad field mapping\'s reason; fixing the mapping and the next tick adds the person', async () => {
    const list = world.sandbox.addList('colour list');
    world.sandbox.addField('favouriteColour');
    const mappings = [
      { source: 'person.name.firstName', target: 'firstName' },
      { source: 'favoriteColor', target: 'favouriteColour' },
    ];
    expect((await destinationApi.put('colours', setup(list.id, mappings))).status).toBe(201);
    // The field is deleted in Marketo after setup: every push naming it now gets 1006.
    world.sandbox.removeField('favouriteColour');
    await deliver(world, 'colours', [{ audienceId: 'aud-colour', email: 'Ada.Colour@example.com', presence: 'in', attributes: { firstName: 'Ada', favouriteColour: 'blue' } }]);

    const first = await tick(world);
    expect(first.outcomes.failed).toBe(1);
    const status = await destinationApi.status('colours');
    const [audience] = status.body.audiences;
    expect(audience.failuresByReason).toEqual([
      { code: '1006', count: 1, retrying: 0, samples: ['ada.colour@example.com'], message: expect.stringContaining("Marketo has no lead field 'favouriteColour'") },
    ]);
    expect(audience.failuresByReason[0].message).toContain("Fix the destination's field mapping");
    expect(audience.pending).toBe(0);

    // Not transient: later ticks do not spend calls on it.
    const callsBefore = syncCalls();
    await deliver(world, 'colours', []);
    await tick(world);
    expect(syncCalls()).toBe(callsBefore);
    expect(listEmails(world, list.id)).toEqual([]);

    // The fix: the attribute now maps to a field that exists. The save requeues the failed person.
    world.sandbox.addField('favouriteColor');
    const fixed = await destinationApi.put('colours', setup(list.id, [{ source: 'person.name.firstName', target: 'firstName' }, { source: 'favoriteColor', target: 'favouriteColor' }]));
    expect(fixed.status).toBe(200);
    expect(fixed.body.requeued).toBe(1);
    const second = await tick(world);
    expect(second.outcomes.added).toBe(1);
    expect(listEmails(world, list.id)).toEqual(['ada.colour@example.com']);
    // The value moved with its mapping.
    expect(world.sandbox.leadsByEmail('ada.colour@example.com')[0]?.fields).toMatchObject({ firstName: 'Ada', favouriteColor: 'blue' });
    const after = (await destinationApi.status('colours')).body.audiences[0];
    expect(after.failuresByReason).toEqual([]);
    expect(after.added).toBe(1);
  });

  it('retries failed people at once when the admin asks (retry-failed), e.g. after fixing Marketo instead', async () => {
    const list = world.sandbox.addList('retry list');
    world.sandbox.addField('shoeSize');
    expect((await destinationApi.put('shoes', { ...setup(list.id, [{ source: 'shoeSize', target: 'shoeSize' }]), name: 'Shoes' })).status).toBe(201);
    world.sandbox.removeField('shoeSize');
    await deliver(world, 'shoes', [
      { audienceId: 'aud-colour', email: 'bo@example.com', presence: 'in', attributes: { shoeSize: '42' } },
      { audienceId: 'aud-colour', email: 'cy@example.com', presence: 'in', attributes: { shoeSize: '38' } },
    ]);
    expect((await tick(world)).outcomes.failed).toBe(2);
    world.sandbox.addField('shoeSize');
    const retried = await destinationApi.action('shoes', 'retry-failed');
    expect(retried).toEqual({ status: 200, body: { requeued: 2 } });
    expect((await destinationApi.status('shoes')).body.audiences[0].pending).toBe(2);
    expect((await tick(world)).outcomes.added).toBe(2);
    expect(listEmails(world, list.id)).toEqual(['bo@example.com', 'cy@example.com']);
    expect((await destinationApi.action('shoes', 'retry-failed')).body).toEqual({ requeued: 0 });
  });

  it('keeps a permanent skip (not found, match-only) skipped with its reason, and retry-failed leaves it', async () => {
    const list = world.sandbox.addList('match list');
    expect((await destinationApi.put('matching', { ...setup(list.id, []), name: 'Matching', personCreationMode: 'matchExistingOnly' })).status).toBe(201);
    world.sandbox.addLead({ email: 'known.person@example.com' });
    await deliver(world, 'matching', [
      { audienceId: 'aud-colour', email: 'known.person@example.com', presence: 'in' },
      { audienceId: 'aud-colour', email: 'ghost.one@example.com', presence: 'in' },
      { audienceId: 'aud-colour', email: 'ghost.two@example.com', presence: 'in' },
    ]);
    const run = await tick(world);
    expect(run.outcomes).toMatchObject({ added: 1, skipped: 2 });
    const audience = (await destinationApi.status('matching')).body.audiences[0];
    expect(audience.skippedByReason).toEqual([
      { code: 'not_found_in_marketo', count: 2, samples: ['ghost.one@example.com', 'ghost.two@example.com'], message: expect.stringContaining('only matches existing people') },
    ]);
    expect((await destinationApi.action('matching', 'retry-failed')).body).toEqual({ requeued: 0 });
    const findsBefore = world.sandbox.stats().callsByKind.findLeads;
    await deliver(world, 'matching', []);
    await tick(world);
    expect(world.sandbox.stats().callsByKind.findLeads).toBe(findsBefore);
    expect(world.sandbox.leadsByEmail('ghost.one@example.com')).toEqual([]);
  });

  it('puts a transient failure back in the queue with backoff, and leaves it for an admin after the last attempt', async () => {
    const { store } = world.ports;
    const list = world.sandbox.addList('transient list');
    expect((await destinationApi.put('transient', { ...setup(list.id, []), name: 'Transient' })).status).toBe(201);
    await deliver(world, 'transient', [{ audienceId: 'aud-colour', email: 'flaky@example.com', presence: 'in' }]);
    await tick(world); // added
    const key = keys.membership('transient', 'aud-colour', 'flaky@example.com');
    // A result Marketo left out of its answer ("no_result") is transient: written back as the runner would.
    let membership = membershipSchema.parse(await store.get(key));
    const destination = { ...(await destinationApi.status('transient')).body.destination };
    const audience = destination.audiences[0];
    const nowMs = Date.now();
    const failure = (attemptOf: typeof membership) => ({
      item: { membership: attemptOf, destination, audience, action: 'remove' as const },
      outcome: planRetry(attemptOf, { kind: 'failed', reason: 'no_result', message: 'no answer', at: new Date(nowMs).toISOString() }, nowMs),
    });
    await writeBack(store, [failure(membership)], new Date(nowMs).toISOString(), 4);
    membership = membershipSchema.parse(await store.get(key));
    expect(membership.outcome).toMatchObject({ kind: 'failed', reason: 'no_result', attempts: 1, retryAt: new Date(nowMs + RETRY_BACKOFF.firstDelayMs).toISOString() });
    expect(membership.gsi1pk).toBe(keys.pendingPartition(world.munchkinId, membership.email));
    expect(membership.gsi1sk?.startsWith(new Date(nowMs + RETRY_BACKOFF.firstDelayMs).toISOString())).toBe(true);
    const status = (await destinationApi.status('transient')).body.audiences[0];
    expect(status.failuresByReason).toEqual([expect.objectContaining({ code: 'no_result', count: 1, retrying: 1 })]);
    expect(status.pendingNotYetDue).toBe(1);

    for (let attempt = 2; attempt <= RETRY_BACKOFF.maxAttempts; attempt += 1) {
      await writeBack(store, [failure(membership)], new Date(nowMs).toISOString(), 4);
      membership = membershipSchema.parse(await store.get(key));
      expect(membership.outcome?.attempts).toBe(attempt);
    }
    expect(membership.outcome?.retryAt).toBeUndefined();
    expect(membership.gsi1pk).toBe('FAILED#transient#aud-colour');
    expect((await destinationApi.status('transient')).body.audiences[0].failuresByReason).toEqual([expect.objectContaining({ code: 'no_result', retrying: 0 })]);
  });
});
