import { beforeAll, describe, expect, it } from 'vitest';
import { inboxItems } from '#functions/push-clone/core/intake/accept-delivery.ts';
import { foldRecord, ingestInbox, type IngestResult } from '#functions/push-clone/core/ingest/ingest-inbox.ts';
import { keys, membershipSchema, type ActivationRecord, type Destination, type Presence } from '#functions/push-clone/core/model.ts';
import { ManualClock } from '#shared/clock.ts';
import type { Store } from '#shared/store/index.ts';
import { freshStore } from '#test/support/dynamo.ts';
import { destinationFixture, storeDestination } from './setup-world';

const MUNCHKIN = '123-ABC-456';
const T0 = Date.parse('2026-02-01T10:00:00Z');
const minutes = (count: number) => count * 60_000;

describe('ingest: folding activations into memberships', () => {
  let store: Store;
  const clock = new ManualClock(T0);
  const syncingAudience = { audienceId: 'now', listId: 1002, startDate: '2026-01-01T00:00:00.000Z' };
  const destination = destinationFixture({
    destinationId: 'fold',
    audiences: [
      syncingAudience,
      { audienceId: 'later', listId: 1003, startDate: '2026-03-01T00:00:00.000Z' },
      { audienceId: 'ended', listId: 1004, startDate: '2026-01-01T00:00:00.000Z', endDate: '2026-01-15T00:00:00.000Z' },
    ],
  });
  beforeAll(async () => {
    store = await freshStore('push-ingest');
    await storeDestination(store, destination);
  });

  let sequence = 0;
  const record = (email: string, presence: Presence, qualifiedAt: number, audienceId = 'now', attributes: ActivationRecord['attributes'] = {}): ActivationRecord => ({
    audienceId,
    email,
    presence,
    qualifiedAt,
    attributes,
  });
  /** Delivers records as the webhook stores them: one inbox item per delivery, in arrival order. */
  const deliver = async (records: ActivationRecord[], target: Destination = destination) => {
    sequence += 1;
    await store.putMany(inboxItems(target.munchkinId, target.destinationId, clock.now() + sequence, records));
  };
  const ingest = () => ingestInbox({ store, clock }, MUNCHKIN);
  const membership = async (email: string, audienceId = 'now') => {
    const item = await store.get(keys.membership(destination.destinationId, audienceId, email));
    return item ? { ...membershipSchema.parse(item), raw: item } : undefined;
  };
  const balanced = (result: IngestResult) => result.applied + result.stale + result.afterEnd + result.unmapped === result.records;

  it('creates a pending membership for a person who enters, due from now', async () => {
    await deliver([record('enter@example.com', 'in', T0 - minutes(5), 'now', { firstName: 'Ena' })]);
    const result = await ingest();
    expect(result).toMatchObject({ records: 1, applied: 1, inboxItems: 1 });
    const member = await membership('enter@example.com');
    expect(member).toMatchObject({ desired: 'in', applied: 'none', version: 1, attributes: { firstName: 'Ena' }, gsi1pk: keys.pendingPartition(MUNCHKIN, 'enter@example.com') });
    expect(member?.gsi1sk?.startsWith(new Date(T0).toISOString())).toBe(true);
  });

  it('lets an exit that arrives before the older entry win, with nothing pending', async () => {
    await deliver([record('disorder@example.com', 'out', T0 - minutes(1))]);
    await deliver([record('disorder@example.com', 'in', T0 - minutes(10))]);
    const result = await ingest();
    expect(result).toMatchObject({ records: 2, applied: 1, stale: 1 });
    const member = await membership('disorder@example.com');
    expect(member).toMatchObject({ desired: 'out', applied: 'none', version: 1, qualifiedAt: T0 - minutes(1) });
    expect(member?.gsi1pk).toBeUndefined();
  });

  it('ignores an older exit that arrives after the entry, in a later ingest', async () => {
    await deliver([record('late-exit@example.com', 'in', T0 - minutes(1))]);
    await ingest();
    await deliver([record('late-exit@example.com', 'out', T0 - minutes(30))]);
    expect(await ingest()).toMatchObject({ applied: 0, stale: 1 });
    expect(await membership('late-exit@example.com')).toMatchObject({ desired: 'in', version: 1 });
  });

  it('changes nothing when a delivery comes again, version included', async () => {
    const delivery = [record('again@example.com', 'in', T0 - minutes(3), 'now', { lastName: 'Again' }), record('again2@example.com', 'out', T0 - minutes(3))];
    await deliver(delivery);
    await ingest();
    const before = await membership('again@example.com');
    await deliver(delivery);
    await deliver(delivery);
    const result = await ingest();
    expect(result).toMatchObject({ records: 4, applied: 0, stale: 4 });
    expect((await membership('again@example.com'))?.raw).toEqual(before?.raw);
  });

  it('breaks a tie of equal times towards "out", whatever the arrival order', async () => {
    const at = T0 - minutes(2);
    await deliver([record('tie-a@example.com', 'in', at), record('tie-b@example.com', 'out', at)]);
    await ingest();
    await deliver([record('tie-a@example.com', 'out', at), record('tie-b@example.com', 'in', at)]);
    await ingest();
    expect(await membership('tie-a@example.com')).toMatchObject({ desired: 'out' });
    expect(await membership('tie-b@example.com')).toMatchObject({ desired: 'out' });
    await deliver([record('tie-c@example.com', 'in', at), record('tie-c@example.com', 'out', at)]);
    await ingest();
    expect(await membership('tie-c@example.com')).toMatchObject({ desired: 'out' });
  });

  it('sets and clears pending as desired and applied meet and part', async () => {
    const email = 'cycle@example.com';
    await deliver([record(email, 'in', T0 - minutes(20))]);
    await ingest();
    // The runner added the person: applied in, nothing pending.
    await store.update(keys.membership('fold', 'now', email), { expression: 'SET applied = :in REMOVE gsi1pk, gsi1sk', values: { ':in': 'in' } });
    await deliver([record(email, 'out', T0 - minutes(15), 'now', { firstName: 'New' })]);
    await ingest();
    const leaving = await membership(email);
    expect(leaving).toMatchObject({ desired: 'out', applied: 'in', version: 2, attributes: { firstName: 'New' } });
    expect(leaving?.gsi1pk).toBe(keys.pendingPartition(MUNCHKIN, email));
    await deliver([record(email, 'in', T0 - minutes(10))]);
    await ingest();
    const back = await membership(email);
    expect(back).toMatchObject({ desired: 'in', applied: 'in', version: 3 });
    expect(back?.gsi1pk).toBeUndefined();
    expect(back?.gsi1sk).toBeUndefined();
  });

  it('keeps work for an audience that has not started out of the due queue until its start date', async () => {
    await deliver([record('early@example.com', 'in', T0 - minutes(1), 'later')]);
    await ingest();
    const due = (at: number) => store.queryAllOf(keys.pendingPartitions(MUNCHKIN), { index: 'gsi1', sortAtMost: new Date(at).toISOString() });
    const member = await membership('early@example.com', 'later');
    expect(member?.gsi1sk?.startsWith('2026-03-01T00:00:00.000Z#')).toBe(true);
    expect((await due(T0)).some((item) => item.audienceId === 'later')).toBe(false);
    expect((await due(Date.parse('2026-03-01T00:00:01Z'))).some((item) => item.audienceId === 'later')).toBe(true);
  });

  it('drops and counts records that arrive after their audience ended', async () => {
    await deliver([record('too-late@example.com', 'in', T0, 'ended'), record('on-time@example.com', 'in', T0)]);
    const result = await ingest();
    expect(result).toMatchObject({ records: 2, applied: 1, afterEnd: 1 });
    expect(await membership('too-late@example.com', 'ended')).toBeUndefined();
  });

  it('drops and counts records of an audience the destination no longer maps', async () => {
    await deliver([record('gone@example.com', 'in', T0, 'removed-audience')]);
    expect(await ingest()).toMatchObject({ records: 1, unmapped: 1, applied: 0, inboxItems: 1 });
  });

  it('converges after a crash between the inbox write and ingest, and after one mid-ingest', async () => {
    const records = Array.from({ length: 120 }, (_, index) => record(`crash.${index}@example.com`, index % 3 === 0 ? 'out' : 'in', T0 - minutes(1) + index));
    await deliver(records);
    // Crash mid-ingest: the first 50 were folded, the inbox item was not deleted.
    for (const folded of records.slice(0, 50)) await foldRecord(store, { destination, audience: syncingAudience }, folded, clock.now());
    const result = await ingest();
    expect(result).toMatchObject({ records: 120, applied: 70, stale: 50, inboxItems: 1 });
    expect(balanced(result)).toBe(true);
    // Crash after folding everything but before the delete: the same item again changes nothing.
    await deliver(records);
    expect(await ingest()).toMatchObject({ records: 120, applied: 0, stale: 120 });
    const members = await store.queryAllOf(keys.membershipPartitions('fold', 'now'), { sortPrefix: 'P#crash.' });
    expect(members).toHaveLength(120);
    expect(members.every((item) => membershipSchema.parse(item).version === 1)).toBe(true);
    expect(members.filter((item) => item.gsi1pk !== undefined)).toHaveLength(80);
  });

  it('folds a backlog oldest delivery first and stops when told to', async () => {
    for (let index = 0; index < 3; index += 1) await deliver([record('order@example.com', index === 2 ? 'out' : 'in', T0 + index)]);
    let pages = 0;
    const stopped = await ingestInbox({ store, clock }, MUNCHKIN, { shouldContinue: () => pages++ < 0 });
    expect(stopped.inboxItems).toBe(0);
    const result = await ingest();
    expect(result).toMatchObject({ records: 3, inboxItems: 3 });
    expect(await membership('order@example.com')).toMatchObject({ desired: 'out', qualifiedAt: T0 + 2 });
  });

  it('folds newest-wins for a one-email person, who has no alias (as every membership older than aliases)', async () => {
    await deliver([record('one-email@example.com', 'in', T0 - minutes(10), 'now', { firstName: 'Old' })]);
    await ingest();
    expect(await store.get(keys.alias(destination.destinationId, 'one-email@example.com'))).toBeUndefined();
    await deliver([record('one-email@example.com', 'out', T0 - minutes(1))]);
    expect(await ingest()).toMatchObject({ records: 1, applied: 1 });
    expect(await membership('one-email@example.com')).toMatchObject({ desired: 'out', version: 2, qualifiedAt: T0 - minutes(1) });
    await deliver([record('one-email@example.com', 'in', T0 - minutes(20))]);
    expect(await ingest()).toMatchObject({ records: 1, applied: 0, stale: 1 });
    expect(await membership('one-email@example.com')).toMatchObject({ desired: 'out', version: 2 });
  });
});
