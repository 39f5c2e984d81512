import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendHistory, type HistoryEntry } from '#functions/push-clone/core/outcomes/person-history.ts';
import { destinationApi, deliver, tick } from './admin-world';
import { pushCloneWorld, type PushCloneWorld } from './setup-world';

/** Issue 8, item 2: for any person, why is (or isn't) this person in this list. */
describe('a person\'s history', () => {
  let world: PushCloneWorld;
  let listId: number;
  beforeAll(async () => {
    world = await pushCloneWorld('push-person-history');
    listId = world.sandbox.addList('history list').id;
    world.sandbox.addField('favouriteColour');
    world.sandbox.addLead({ email: 'dup@example.com' });
    world.sandbox.addLead({ email: 'DUP@example.com' });
    const mapped = {
      name: 'History',
      munchkinId: world.munchkinId,
      personCreationMode: 'createMissing',
      fieldMappings: [{ source: 'favoriteColor', target: 'favouriteColour' }],
      audiences: [{ audienceId: 'aud-h', mappingId: listId, startDate: '2025-01-01' }],
    };
    expect((await destinationApi.put('history', mapped)).status).toBe(201);
  });
  afterAll(() => world.stop());

  const person = async (email: string) => {
    const answer = await destinationApi.person('history', email);
    expect(answer.status).toBe(200);
    return answer.body.audiences[0] as { current: Record<string, unknown>; history: Array<Record<string, unknown>> };
  };

  it('explains a person added, then removed when they exit', async () => {
    await deliver(world, 'history', [{ audienceId: 'aud-h', email: 'Ada@Example.com', presence: 'in', attributes: { favouriteColour: 'red' } }]);
    await tick(world);
    let ada = await person('ada@example.com');
    expect(ada.current).toMatchObject({ state: 'added', status: 'realized', inList: 'yes', leadId: expect.any(Number) });
    expect(ada.history).toEqual([
      expect.objectContaining({ kind: 'delivery', status: 'realized', qualificationTime: expect.any(String) }),
      expect.objectContaining({ kind: 'marketo', outcome: 'added', leadId: ada.current.leadId }),
    ]);

    await deliver(world, 'history', [{ audienceId: 'aud-h', email: 'ada@example.com', presence: 'out' }]);
    await tick(world);
    ada = await person('ADA@example.com ');
    expect(ada.current).toMatchObject({ state: 'removed', status: 'exited', inList: 'no' });
    expect(ada.history.map((entry) => [entry.kind, entry.status ?? entry.outcome])).toEqual([
      ['delivery', 'realized'],
      ['marketo', 'added'],
      ['delivery', 'exited'],
      ['marketo', 'removed'],
    ]);
  });

  it('explains a person skipped (several Marketo people share the email) with Marketo\'s code', async () => {
    await deliver(world, 'history', [{ audienceId: 'aud-h', email: 'dup@example.com', presence: 'in' }]);
    await tick(world);
    const dup = await person('dup@example.com');
    expect(dup.current).toMatchObject({ state: 'skipped', reason: '1007', inList: 'never added', message: expect.stringContaining('Several Marketo people share this email') });
    expect(dup.history.at(-1)).toMatchObject({ kind: 'marketo', outcome: 'skipped', code: '1007' });
  });

  it('explains a person who failed, what they wait for, and their retry after the fix', async () => {
    world.sandbox.removeField('favouriteColour');
    await deliver(world, 'history', [{ audienceId: 'aud-h', email: 'bea@example.com', presence: 'in', attributes: { favouriteColour: 'green' } }]);
    await tick(world);
    let bea = await person('bea@example.com');
    expect(bea.current).toMatchObject({ state: 'failed', reason: '1006', message: expect.stringContaining("'favouriteColour'") });
    expect(bea.history.slice(-2)).toEqual([
      expect.objectContaining({ kind: 'marketo', outcome: 'failed', code: '1006' }),
      expect.objectContaining({ kind: 'decision', action: 'wait_for_admin' }),
    ]);

    world.sandbox.addField('favouriteColour');
    expect((await destinationApi.action('history', 'retry-failed')).body.requeued).toBe(1);
    bea = await person('bea@example.com');
    expect(bea.current).toMatchObject({ state: 'pending' });
    expect(bea.history.at(-1)).toMatchObject({ kind: 'decision', action: 'requeue', message: 'An admin asked to retry the failed people.' });
    await tick(world);
    bea = await person('bea@example.com');
    expect(bea.current).toMatchObject({ state: 'added', inList: 'yes' });
    expect(bea.history.at(-1)).toMatchObject({ kind: 'marketo', outcome: 'added' });
  });

  it('answers 404 for a person no delivery named', async () => {
    const unknown = await destinationApi.person('history', 'nobody@example.com');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('person_not_found');
  });

  it('keeps history bounded: the newest entries within the retention', () => {
    const day = 86_400_000;
    const now = Date.parse('2026-06-01T00:00:00.000Z');
    const entry = (ageDays: number, n: number): HistoryEntry => ({ at: new Date(now - ageDays * day).toISOString(), kind: 'decision', action: 'in_step', message: `#${n}` });
    const old = [entry(40, 0), entry(10, 1), entry(5, 2), entry(1, 3)];
    const kept = appendHistory(old, [entry(0, 4), entry(0, 5)], now, { maxEntries: 4, retentionMs: 30 * day });
    expect(kept.map((e) => (e.kind === 'decision' ? e.message : ''))).toEqual(['#2', '#3', '#4', '#5']);
    const young = appendHistory(old, [], now, { maxEntries: 20, retentionMs: 7 * day });
    expect(young.map((e) => (e.kind === 'decision' ? e.message : ''))).toEqual(['#2', '#3']);
  });
});
