import { describe, expect, it } from 'vitest';
import { keys, membershipSchema, type Membership } from '#functions/push-clone/core/model.ts';
import { writeBack } from '#functions/push-clone/core/marketo-batch/write-back.ts';
import { planRetry } from '#functions/push-clone/core/outcomes/person-history.ts';
import { RETRY_BACKOFF } from '#functions/push-clone/core/outcomes/outcome-reasons.ts';
import { destinationApi, deliver, listEmails, tick, useScenario } from './admin-world';
import type { PushCloneWorld } from './setup-world';

/**
 * Issue 8, item 1: every failed or skipped person keeps a reason an admin can
 * act on; failures wait for the fix (or retry by themselves when transient);
 * skips stay skipped. Each scenario is played once in a world of its own;
 * each test reads one behaviour from what it recorded.
 */
describe('per-person outcomes that lead somewhere', () => {
  const setup = (world: PushCloneWorld, listId: number, fieldMappings: Array<{ source: string; target: string }>, extra: Record<string, unknown> = {}) => ({
    name: 'Colours',
    munchkinId: world.munchkinId,
    personCreationMode: 'createMissing',
    fieldMappings,
    audiences: [{ audienceId: 'aud-colour', mappingId: listId, startDate: '2025-01-01' }],
    ...extra,
  });
  const syncCalls = (world: PushCloneWorld) => world.sandbox.stats().callsByKind.syncLeads;
  const saved = (answer: { status: number }) => {
    if (answer.status !== 201) throw new Error(`the destination was not created: ${answer.status}`);
  };

  describe('a field mapping Marketo no longer accepts (1006)', () => {
    /**
     * A mapping to a field deleted in Marketo after setup: a tick fails the
     * person; an idle tick; the admin maps the attribute to a field that
     * exists and saves; a tick.
     */
    const scenario = useScenario('push-outcomes-mapping', async (world) => {
      const list = world.sandbox.addList('colour list');
      world.sandbox.addField('favouriteColour');
      const mappings = [
        { source: 'person.name.firstName', target: 'firstName' },
        { source: 'favoriteColor', target: 'favouriteColour' },
      ];
      saved(await destinationApi.put('colours', setup(world, list.id, mappings)));
      world.sandbox.removeField('favouriteColour');
      await deliver(world, 'colours', [{ audienceId: 'aud-colour', email: 'Ada.Colour@example.com', presence: 'in', attributes: { firstName: 'Ada', favouriteColour: 'blue' } }]);
      const first = await tick(world);
      const failedStatus = (await destinationApi.status('colours')).body.audiences[0];
      const syncCallsBefore = syncCalls(world);
      await deliver(world, 'colours', []);
      await tick(world);
      const idle = { syncCalls: syncCalls(world) - syncCallsBefore, list: listEmails(world, list.id) };
      world.sandbox.addField('favouriteColor');
      const fixed = await destinationApi.put('colours', setup(world, list.id, [{ source: 'person.name.firstName', target: 'firstName' }, { source: 'favoriteColor', target: 'favouriteColor' }]));
      const second = await tick(world);
      const fixedList = listEmails(world, list.id);
      const leadFields = world.sandbox.leadsByEmail('ada.colour@example.com')[0]?.fields;
      const fixedStatus = (await destinationApi.status('colours')).body.audiences[0];
      return { first, failedStatus, idle, fixed, second, fixedList, leadFields, fixedStatus };
    });

    it('fails the person', () => {
      expect(scenario().first.outcomes.failed).toBe(1);
    });

    it('shows the failure by Marketo code with its count, a sample, a message naming the field', () => {
      expect(scenario().failedStatus.failuresByReason).toEqual([
        { code: '1006', count: 1, retrying: 0, samples: ['ada.colour@example.com'], message: expect.stringContaining("Marketo has no lead field 'favouriteColour'") },
      ]);
    });

    it('tells the admin to fix the destination\'s field mapping', () => {
      expect(scenario().failedStatus.failuresByReason[0].message).toContain("Fix the destination's field mapping");
    });

    it('does not keep the failed person pending', () => {
      expect(scenario().failedStatus.pending).toBe(0);
    });

    it('spends no call on the failure in later ticks (it is not transient)', () => {
      expect(scenario().idle).toEqual({ syncCalls: 0, list: [] });
    });

    it('requeues the failed person when the fixed mapping is saved', () => {
      expect(scenario().fixed.status).toBe(200);
      expect(scenario().fixed.body.requeued).toBe(1);
    });

    it('adds the requeued person on the next tick', () => {
      expect(scenario().second.outcomes.added).toBe(1);
      expect(scenario().fixedList).toEqual(['ada.colour@example.com']);
    });

    it('moves the value with its mapping to the new field', () => {
      expect(scenario().leadFields).toMatchObject({ firstName: 'Ada', favouriteColor: 'blue' });
    });

    it('clears the failure from the status once the person is added', () => {
      expect(scenario().fixedStatus.failuresByReason).toEqual([]);
      expect(scenario().fixedStatus.added).toBe(1);
    });
  });

  describe('retry-failed, after fixing Marketo instead', () => {
    /** Two people fail on a field missing in Marketo; the field is added back; the admin asks for retry-failed; a tick; retry-failed again. */
    const scenario = useScenario('push-outcomes-retry', async (world) => {
      const list = world.sandbox.addList('retry list');
      world.sandbox.addField('shoeSize');
      saved(await destinationApi.put('shoes', { ...setup(world, list.id, [{ source: 'shoeSize', target: 'shoeSize' }]), name: 'Shoes' }));
      world.sandbox.removeField('shoeSize');
      await deliver(world, 'shoes', [
        { audienceId: 'aud-colour', email: 'bo@example.com', presence: 'in', attributes: { shoeSize: '42' } },
        { audienceId: 'aud-colour', email: 'cy@example.com', presence: 'in', attributes: { shoeSize: '38' } },
      ]);
      const failing = await tick(world);
      world.sandbox.addField('shoeSize');
      const retried = await destinationApi.action('shoes', 'retry-failed');
      const pendingAfterRetry = (await destinationApi.status('shoes')).body.audiences[0].pending;
      const next = await tick(world);
      const listAfter = listEmails(world, list.id);
      const retriedAgain = await destinationApi.action('shoes', 'retry-failed');
      return { failing, retried, pendingAfterRetry, next, list: listAfter, retriedAgain };
    });

    it('fails every person pushed while the field is missing', () => {
      expect(scenario().failing.outcomes.failed).toBe(2);
    });

    it('requeues every failed person at once', () => {
      expect(scenario().retried).toEqual({ status: 200, body: { requeued: 2 } });
      expect(scenario().pendingAfterRetry).toBe(2);
    });

    it('adds the requeued people on the next tick', () => {
      expect(scenario().next.outcomes.added).toBe(2);
      expect(scenario().list).toEqual(['bo@example.com', 'cy@example.com']);
    });

    it('requeues nobody once nothing has failed', () => {
      expect(scenario().retriedAgain.body).toEqual({ requeued: 0 });
    });
  });

  describe('a permanent skip (not found, match-only)', () => {
    /** One person Marketo knows and two it does not, pushed match-only; then retry-failed and an idle tick. */
    const scenario = useScenario('push-outcomes-skip', async (world) => {
      const list = world.sandbox.addList('match list');
      saved(await destinationApi.put('matching', { ...setup(world, list.id, []), name: 'Matching', personCreationMode: 'matchExistingOnly' }));
      world.sandbox.addLead({ email: 'known.person@example.com' });
      await deliver(world, 'matching', [
        { audienceId: 'aud-colour', email: 'known.person@example.com', presence: 'in' },
        { audienceId: 'aud-colour', email: 'ghost.one@example.com', presence: 'in' },
        { audienceId: 'aud-colour', email: 'ghost.two@example.com', presence: 'in' },
      ]);
      const run = await tick(world);
      const status = (await destinationApi.status('matching')).body.audiences[0];
      const retried = await destinationApi.action('matching', 'retry-failed');
      const findsBefore = world.sandbox.stats().callsByKind.findLeads;
      await deliver(world, 'matching', []);
      await tick(world);
      const laterFinds = world.sandbox.stats().callsByKind.findLeads - findsBefore;
      return { run, status, retried, laterFinds, ghost: world.sandbox.leadsByEmail('ghost.one@example.com') };
    });

    it('adds the known person, skipping the two Marketo does not know', () => {
      expect(scenario().run.outcomes).toMatchObject({ added: 1, skipped: 2 });
    });

    it('shows the skips by reason with samples, a message', () => {
      expect(scenario().status.skippedByReason).toEqual([
        { code: 'not_found_in_marketo', count: 2, samples: ['ghost.one@example.com', 'ghost.two@example.com'], message: expect.stringContaining('only matches existing people') },
      ]);
    });

    it('is left alone by retry-failed', () => {
      expect(scenario().retried.body).toEqual({ requeued: 0 });
    });

    it('costs no lookup in later ticks', () => {
      expect(scenario().laterFinds).toBe(0);
    });

    it('never creates the skipped person', () => {
      expect(scenario().ghost).toEqual([]);
    });
  });

  describe('a transient failure (a result Marketo left out of its answer)', () => {
    /**
     * A person added; then "no_result" written back for them as the runner
     * would, once, and again until the last attempt. The status is read after
     * the first and after the last.
     */
    const scenario = useScenario('push-outcomes-transient', async (world) => {
      const { store } = world.ports;
      const list = world.sandbox.addList('transient list');
      saved(await destinationApi.put('transient', { ...setup(world, list.id, []), name: 'Transient' }));
      await deliver(world, 'transient', [{ audienceId: 'aud-colour', email: 'flaky@example.com', presence: 'in' }]);
      await tick(world); // added
      const key = keys.membership('transient', 'aud-colour', 'flaky@example.com');
      const destination = { ...(await destinationApi.status('transient')).body.destination };
      const audience = destination.audiences[0];
      const nowMs = Date.now();
      const failure = (attemptOf: Membership) => ({
        item: { membership: attemptOf, destination, audience, action: 'remove' as const },
        outcome: planRetry(attemptOf, { kind: 'failed', reason: 'no_result', message: 'no answer', at: new Date(nowMs).toISOString() }, nowMs),
      });
      const failOnce = async (membership: Membership) => {
        await writeBack(store, [failure(membership)], new Date(nowMs).toISOString(), 4);
        return membershipSchema.parse(await store.get(key));
      };
      const afterFirst = await failOnce(membershipSchema.parse(await store.get(key)));
      const firstStatus = (await destinationApi.status('transient')).body.audiences[0];
      const attempts: Array<number | undefined> = [];
      let membership = afterFirst;
      for (let attempt = 2; attempt <= RETRY_BACKOFF.maxAttempts; attempt += 1) {
        membership = await failOnce(membership);
        attempts.push(membership.outcome?.attempts);
      }
      const lastStatus = (await destinationApi.status('transient')).body.audiences[0];
      return { nowMs, afterFirst, firstStatus, attempts, afterLast: membership, lastStatus };
    });

    it('is put back in the work queue, due after the first backoff', () => {
      const { nowMs, afterFirst, world } = scenario();
      const retryAt = new Date(nowMs + RETRY_BACKOFF.firstDelayMs).toISOString();
      expect(afterFirst.outcome).toMatchObject({ kind: 'failed', reason: 'no_result', attempts: 1, retryAt });
      expect(afterFirst.gsi1pk).toBe(keys.pendingPartition(world.munchkinId, afterFirst.email));
      expect(afterFirst.gsi1sk?.startsWith(retryAt)).toBe(true);
    });

    it('shows as retrying, not yet due', () => {
      expect(scenario().firstStatus.failuresByReason).toEqual([expect.objectContaining({ code: 'no_result', count: 1, retrying: 1 })]);
      expect(scenario().firstStatus.pendingNotYetDue).toBe(1);
    });

    it('counts each attempt', () => {
      expect(scenario().attempts).toEqual(Array.from({ length: RETRY_BACKOFF.maxAttempts - 1 }, (_, index) => index + 2));
    });

    it('is left for an admin after the last attempt: no retry time, out of the work queue', () => {
      expect(scenario().afterLast.outcome?.retryAt).toBeUndefined();
      expect(scenario().afterLast.gsi1pk).toBe('FAILED#transient#aud-colour');
    });

    it('shows as no longer retrying after the last attempt', () => {
      expect(scenario().lastStatus.failuresByReason).toEqual([expect.objectContaining({ code: 'no_result', retrying: 0 })]);
    });
  });
});
