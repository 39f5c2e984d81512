import { describe, expect, it } from 'vitest';
import { planMembership } from '#functions/push-clone/core/runner/plan-membership.ts';
import { markerIsIdle, nextDueAt } from '#functions/push-clone/core/instance/work-marker.ts';
import { WorkBuffer } from '#functions/push-clone/core/runner/due-work.ts';
import type { Destination, Membership } from '#functions/push-clone/core/model.ts';
import type { WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function destination(overrides: Partial<Destination> = {}): Destination {
  return {
    destinationId: 'd1',
    name: 'dest',
    munchkinId: '123-ABC-456',
    imsOrgId: 'ORG@AdobeOrg',
    personCreationMode: 'createMissing',
    identityNamespace: 'Email',
    fieldMappings: [],
    endDateBehavior: 'freeze',
    audiences: [{ audienceId: 'a1', listId: 1001, startDate: iso(NOW - 86_400_000) }],
    state: 'active',
    createdAt: iso(NOW),
    updatedAt: iso(NOW),
    ...overrides,
  };
}

function membership(overrides: Partial<Membership> = {}): Membership {
  return { destinationId: 'd1', audienceId: 'a1', munchkinId: '123-ABC-456', email: 'a@example.com', desired: 'in', qualifiedAt: NOW, attributes: {}, applied: 'none', version: 1, ...overrides };
}

const work = (action: WorkItem['action'], listId: number, email: string): WorkItem => ({
  membership: membership({ email }),
  destination: destination(),
  audience: { audienceId: 'a1', listId, startDate: iso(NOW) },
  action,
});

describe('planMembership: what the runner does with one due membership', () => {
  const dests = (d: Destination) => new Map([[d.destinationId, d]]);

  it('adds, removes, and settles without a call when nothing would change', () => {
    expect(planMembership(membership({ desired: 'in', applied: 'none' }), dests(destination()), NOW)?.action).toBe('add');
    expect(planMembership(membership({ desired: 'out', applied: 'in' }), dests(destination()), NOW)?.action).toBe('remove');
    expect(planMembership(membership({ desired: 'out', applied: 'none' }), dests(destination()), NOW)?.action).toBe('in_step');
    expect(planMembership(membership({ desired: 'in', applied: 'in' }), dests(destination()), NOW)?.action).toBe('in_step');
  });

  it('leaves the people of a stopped destination untouched, and expires those of a deleted one or an unmapped audience', () => {
    expect(planMembership(membership(), dests(destination({ state: 'stopped' })), NOW)).toBeUndefined();
    expect(planMembership(membership(), new Map(), NOW)).toMatchObject({ action: 'expire', reason: 'destination_not_found' });
    expect(planMembership(membership({ audienceId: 'gone' }), dests(destination()), NOW)).toMatchObject({ action: 'expire', reason: 'audience_not_mapped' });
  });

  it('after the end date: freeze expires every change; removeMembers removes whoever we added', () => {
    const ended = [{ audienceId: 'a1', listId: 1001, startDate: iso(NOW - 2 * 86_400_000), endDate: iso(NOW - 1) }];
    const freeze = dests(destination({ audiences: ended }));
    expect(planMembership(membership({ desired: 'out', applied: 'in' }), freeze, NOW)).toMatchObject({ action: 'expire', reason: 'end_date' });
    expect(planMembership(membership({ desired: 'in', applied: 'none' }), freeze, NOW)).toMatchObject({ action: 'expire', reason: 'end_date' });
    const remove = dests(destination({ audiences: ended, endDateBehavior: 'removeMembers' }));
    expect(planMembership(membership({ desired: 'in', applied: 'in' }), remove, NOW)).toMatchObject({ action: 'remove', reason: 'end_date' });
    expect(planMembership(membership({ desired: 'in', applied: 'none' }), remove, NOW)).toMatchObject({ action: 'expire' });
  });
});

describe('WorkBuffer: filling 300-record calls', () => {
  it('sends a bucket only when it fills a call, and everything that needs no call at once', () => {
    const buffer = new WorkBuffer();
    for (let i = 0; i < 7; i += 1) buffer.add(work('add', 1, `a${i}@x`));
    for (let i = 0; i < 2; i += 1) buffer.add(work('remove', 1, `r${i}@x`));
    buffer.add(work('in_step', 1, 's@x'));
    const full = buffer.takeFull(3);
    expect(full.map((batch) => batch.map((item) => item.action))).toEqual([['add', 'add', 'add'], ['add', 'add', 'add'], ['in_step']]);
    expect(buffer.size).toBe(3);
    const rest = buffer.takeAll(3);
    expect(rest.map((batch) => batch.length)).toEqual([1, 2]);
    expect(buffer.size).toBe(0);
  });

  it('keeps lists and directions apart', () => {
    const buffer = new WorkBuffer();
    buffer.add(work('add', 1, 'a@x'));
    buffer.add(work('add', 2, 'b@x'));
    buffer.add(work('remove', 1, 'c@x'));
    expect(buffer.takeAll(300).map((batch) => batch.map((item) => `${item.action}:${item.audience.listId}`))).toEqual([['add:1'], ['add:2'], ['remove:1']]);
  });
});

describe('work marker idling', () => {
  it('names the next start or unhandled end date in the future', () => {
    const audiences = [
      { audienceId: 'later', listId: 1, startDate: iso(NOW + 3_600_000) },
      { audienceId: 'ending', listId: 2, startDate: iso(NOW - 3_600_000), endDate: iso(NOW + 600_000) },
      { audienceId: 'handled', listId: 3, startDate: iso(NOW - 3_600_000), endDate: iso(NOW + 60_000), endHandledAt: iso(NOW) },
    ];
    expect(nextDueAt([destination({ audiences })], NOW)).toBe(NOW + 600_000);
    expect(nextDueAt([destination({ audiences, state: 'stopped' })], NOW)).toBeUndefined();
    expect(nextDueAt([destination()], NOW)).toBeUndefined();
  });

  it('is idle only while no delivery bumped the marker since the runner marked it', () => {
    const marker = { pk: 'PUSH_WORK', sk: '123-ABC-456', version: 4, nextDueAt: iso(NOW + 1_000) };
    expect(markerIsIdle({ ...marker, idleVersion: 4 }, NOW)).toBe(true);
    expect(markerIsIdle({ ...marker, idleVersion: 3 }, NOW)).toBe(false);
    expect(markerIsIdle({ ...marker, idleVersion: 4 }, NOW + 1_000)).toBe(false);
    expect(markerIsIdle({ pk: 'PUSH_WORK', sk: '123-ABC-456', version: 1 }, NOW)).toBe(false);
  });
});
