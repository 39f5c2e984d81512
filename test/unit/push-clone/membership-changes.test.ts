import { describe, expect, it } from 'vitest';
import { foldChange, foldChangeOnRead, isNewer } from '#functions/push-clone/core/ingest/membership-fold.ts';
import { countsOf, outcomeChange, reconcileChange } from '#functions/push-clone/core/marketo-batch/write-back.ts';
import { DEFAULT_HISTORY_POLICY } from '#functions/push-clone/core/outcomes/person-history.ts';
import type { ActivationRecord, Destination, Membership } from '#functions/push-clone/core/model.ts';
import type { ItemResult } from '#functions/push-clone/core/runner/run-context.ts';

const NOW = '2026-05-01T12:00:00.000Z';
/** a@example.com is in queue shard 1 (keys.pendingPartition). */
const QUEUE = { gsi1pk: 'PUSH#123-ABC-456#S1', gsi1sk: `${NOW}#d1#a1#a@example.com` };

const record = (overrides: Partial<ActivationRecord> = {}): ActivationRecord => ({ audienceId: 'a1', email: 'a@example.com', presence: 'in', qualifiedAt: 2_000, attributes: { firstName: 'Ada' }, ...overrides });
const membership = (overrides: Partial<Membership> = {}): Membership => ({
  destinationId: 'd1',
  audienceId: 'a1',
  munchkinId: '123-ABC-456',
  email: 'a@example.com',
  desired: 'in',
  qualifiedAt: 1_000,
  attributes: {},
  applied: 'none',
  version: 3,
  ...overrides,
});
const result = (overrides: Partial<ItemResult> = {}): ItemResult => ({
  item: { membership: membership({ gsi1pk: QUEUE.gsi1pk, gsi1sk: QUEUE.gsi1sk }), destination: {} as Destination, audience: { audienceId: 'a1', listId: 1001, startDate: NOW }, action: 'add' },
  ...overrides,
});

describe('the fold: what a newer statement changes', () => {
  it('newest wins, and on a tie out wins', () => {
    expect(isNewer(record({ qualifiedAt: 2_000 }), membership({ qualifiedAt: 1_000 }))).toBe(true);
    expect(isNewer(record({ qualifiedAt: 500 }), membership({ qualifiedAt: 1_000 }))).toBe(false);
    expect(isNewer(record({ qualifiedAt: 1_000, presence: 'out' }), membership({ qualifiedAt: 1_000, desired: 'in' }))).toBe(true);
    expect(isNewer(record({ qualifiedAt: 1_000, presence: 'in' }), membership({ qualifiedAt: 1_000, desired: 'out' }))).toBe(false);
    expect(isNewer(record({ qualifiedAt: 1_000, presence: 'in' }), membership({ qualifiedAt: 1_000, desired: 'in' }))).toBe(false);
  });

  it('a change of desired bumps the version and queues the person at the new place', () => {
    const change = foldChange({ desired: 'in', applied: 'in' }, record({ presence: 'out' }), QUEUE);
    expect(change).toMatchObject({ desired: 'out', bumpsVersion: true, queue: { at: QUEUE, keepPlace: false }, tieWins: true, base: { desired: 'in', applied: 'in' } });
    expect(foldChange({ desired: 'out', applied: 'none' }, record({ presence: 'in' }), QUEUE)).toMatchObject({ bumpsVersion: true, queue: { at: QUEUE, keepPlace: false }, tieWins: false });
  });

  it('the same desired with new attributes keeps the version and the place in the queue', () => {
    expect(foldChange({ desired: 'in', applied: 'none' }, record({ presence: 'in' }), QUEUE)).toMatchObject({ bumpsVersion: false, queue: { at: QUEUE, keepPlace: true } });
  });

  it('takes the person out of the queue when the list already holds what the statement says, or never held them', () => {
    expect(foldChange({ desired: 'out', applied: 'in' }, record({ presence: 'in', qualifiedAt: 3_000 }), QUEUE).queue).toBe('out');
    expect(foldChange({ desired: 'in', applied: 'in' }, record({ presence: 'in' }), QUEUE).queue).toBe('out');
    expect(foldChange({ desired: 'in', applied: 'none' }, record({ presence: 'out' }), QUEUE)).toMatchObject({ queue: 'out', tieWins: true });
  });

  it('a change computed on a read insists on exactly that item', () => {
    expect(foldChangeOnRead(membership({ qualifiedAt: 1_000, version: 7 }), record(), QUEUE).read).toEqual({ qualifiedAt: 1_000, version: 7 });
    expect(foldChange(membership(), record(), QUEUE).read).toBeUndefined();
  });
});

describe('the write-back: what a result makes of its person', () => {
  it('an added person leaves the queue with outcome, applied, lead ID and a history entry', () => {
    const change = outcomeChange(result({ outcome: { kind: 'added', at: NOW }, applied: 'in', leadId: 42 }), NOW, DEFAULT_HISTORY_POLICY);
    expect(change).toMatchObject({ set: { outcome: { kind: 'added' }, applied: 'in', leadId: 42 }, queue: 'out' });
    expect(change.set.hist?.at(-1)).toMatchObject({ kind: 'marketo', outcome: 'added', leadId: 42 });
  });

  it('a transient failure goes back to the queue at its retry time; another failure and a skip wait in their own partitions', () => {
    const retry = outcomeChange(result({ outcome: { kind: 'failed', reason: '1029', attempts: 1, retryAt: '2026-05-01T12:01:00.000Z', at: NOW } }), NOW, DEFAULT_HISTORY_POLICY);
    expect(retry.queue).toEqual({ at: { gsi1pk: 'PUSH#123-ABC-456#S1', gsi1sk: '2026-05-01T12:01:00.000Z#d1#a1#a@example.com' } });
    const failed = outcomeChange(result({ outcome: { kind: 'failed', reason: '1006', at: NOW } }), NOW, DEFAULT_HISTORY_POLICY);
    expect(failed.queue).toEqual({ at: { gsi1pk: 'FAILED#d1#a1', gsi1sk: '1006#a@example.com' } });
    const skipped = outcomeChange(result({ outcome: { kind: 'skipped', reason: 'not_found_in_marketo', at: NOW } }), NOW, DEFAULT_HISTORY_POLICY);
    expect(skipped.queue).toEqual({ at: { gsi1pk: 'SKIPPED#d1#a1', gsi1sk: 'not_found_in_marketo#a@example.com' } });
  });

  it('a lead ID Marketo no longer knows is only dropped: the person stays where they are', () => {
    expect(outcomeChange(result({ forgetLeadId: true }), NOW, DEFAULT_HISTORY_POLICY)).toEqual({ set: {}, queue: 'unchanged', forgetLeadId: true });
  });

  it('on a membership that moved on, records what the list holds and decides the queue from the newer desired', () => {
    const stillPending = reconcileChange(membership({ desired: 'out', version: 4 }), { applied: 'in', outcome: { kind: 'added', at: NOW } }, NOW);
    expect(stillPending).toEqual({ set: { applied: 'in', outcome: { kind: 'added', at: NOW } }, queue: { at: QUEUE, keepPlace: true } });
    expect(reconcileChange(membership({ desired: 'in', version: 4 }), { applied: 'in' }, NOW)).toEqual({ set: { applied: 'in' }, queue: 'out' });
  });

  it('counts outcomes by their counter field, and none for a result without outcome', () => {
    const counted = countsOf(membership(), [{ kind: 'added', at: NOW }, { kind: 'added', at: NOW }, { kind: 'skipped', reason: '1006', at: NOW }, undefined], NOW);
    expect(counted).toEqual({ destinationId: 'd1', audienceId: 'a1', atIso: NOW, counts: new Map([['added', 2], ['skipped_1006', 1]]) });
  });
});
