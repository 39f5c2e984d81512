import { isPendingState, keys, type ActivationRecord, type AppliedState, type Destination, type FoldChange, type Membership, type Presence, type QueueKeys, type StoredAudience } from '#functions/push-clone/core/model.ts';
import type { Store } from '#shared/store/index.ts';
import { applyFold, createMembership } from '#functions/push-clone/persistence/memberships.ts';

/**
 * Folding one activation record into its membership item (docs/push-clone.md,
 * step 3). Per person and audience the newest `qualifiedAt` wins, so deliveries
 * may come in any order and any number of times:
 *
 * - older than what we hold: nothing changes (`stale`);
 * - equal, same presence: nothing changes (a redelivery);
 * - equal, different presence: `out` wins. AEP stamping "in" and "out" at one
 *   instant is a tie we must break the same way whatever the arrival order, and
 *   removal is the safe side: a person wrongly kept in a list keeps receiving
 *   marketing after leaving the audience, while a person wrongly removed comes
 *   back with AEP's next realized/existing delivery, which carries a later time;
 * - newer: desired, qualifiedAt and attributes are replaced; `version` goes up
 *   only when `desired` changes (the runner's write-back is conditioned on it).
 *
 * Every write is conditioned on the state it was computed from, and a lost
 * condition returns the item as it is now, so the fold retries from fresh
 * state without an extra read. That makes it safe beside the runner and
 * beside a second ingest of the same record after a crash.
 */
export type FoldOutcome = 'applied' | 'stale';

export interface FoldTarget {
  destination: Destination;
  audience: StoredAudience;
}

/** Which of two statements about one person and audience wins (the same rule as the conditional writes). */
export function newerStatement<T extends { qualifiedAt: number; presence: Presence }>(a: T, b: T): T {
  if (a.qualifiedAt !== b.qualifiedAt) return a.qualifiedAt > b.qualifiedAt ? a : b;
  return a.presence === 'out' ? a : b;
}

const MAX_ATTEMPTS = 8;

/** The membership a first statement about a person creates. */
export function freshMembership(target: FoldTarget, record: ActivationRecord, now: number): Membership {
  const { destination, audience } = target;
  return {
    destinationId: destination.destinationId,
    audienceId: audience.audienceId,
    munchkinId: destination.munchkinId,
    email: record.email,
    desired: record.presence,
    qualifiedAt: record.qualifiedAt,
    attributes: record.attributes,
    applied: 'none',
    version: 1,
    ...(isPendingState(record.presence, 'none') ? queueKeysFor(target, record.email, now) : {}),
  };
}

/** Work may not start before the audience's start date: the runner's query `gsi1sk <= now` skips it until then. */
export function queueKeysFor({ destination, audience }: FoldTarget, email: string, now: number): QueueKeys {
  const notBefore = new Date(Math.max(Date.parse(audience.startDate), now)).toISOString();
  return {
    gsi1pk: keys.pendingPartition(destination.munchkinId, email),
    gsi1sk: keys.pendingSort(notBefore, destination.destinationId, audience.audienceId, email),
  };
}

export async function foldRecord(store: Store, target: FoldTarget, record: ActivationRecord, now: number): Promise<FoldOutcome> {
  const fresh = freshMembership(target, record, now);
  const queueKeys = queueKeysFor(target, record.email, now);
  const create = async (): Promise<Membership | undefined> => {
    const result = await createMembership(store, fresh);
    return result.written ? undefined : result.current;
  };
  // Most records of a backfill are new people: try the create first, and let a lost condition hand back the item.
  let existing = await create();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (!existing) return 'applied';
    if (!isNewer(record, existing)) return 'stale';
    const result = await applyFold(store, fresh, foldChangeOnRead(existing, record, queueKeys));
    if (result.written) return 'applied';
    existing = result.current ?? (await create());
  }
  throw new Error(`membership ${target.destination.destinationId}/${target.audience.audienceId} kept changing while an activation was folded into it (${MAX_ATTEMPTS} attempts)`);
}

/** Whether `record` changes a membership that holds `existing` (the rule the fold's conditions encode). */
export function isNewer(record: ActivationRecord, existing: Pick<Membership, 'qualifiedAt' | 'desired'>): boolean {
  if (record.qualifiedAt !== existing.qualifiedAt) return record.qualifiedAt > existing.qualifiedAt;
  return record.presence === 'out' && existing.desired === 'in';
}

/** The state a fold write is computed from; the write's condition insists on it. */
export interface FoldBase {
  desired: Presence;
  applied: AppliedState;
}

/**
 * What folding a newer `record` into a membership whose `desired` and
 * `applied` are `base` changes: desired, qualifiedAt and attributes replaced,
 * `version` bumped when desired changes, the queue keys set or removed by
 * `isPendingState`. The write holds only while the item is in `base` and the
 * record is newer than it (`isNewer`, as a condition), so a change computed
 * from a stale read or a wrong guess is refused.
 */
export function foldChange(base: FoldBase, record: ActivationRecord, queueKeys: QueueKeys): FoldChange {
  const desiredChanged = record.presence !== base.desired;
  return {
    desired: record.presence,
    qualifiedAt: record.qualifiedAt,
    attributes: record.attributes,
    bumpsVersion: desiredChanged,
    // Already queued for the same change: keep its place rather than send it to the back.
    queue: isPendingState(record.presence, base.applied) ? { at: queueKeys, keepPlace: !desiredChanged } : 'out',
    base: { desired: base.desired, applied: base.applied },
    tieWins: record.presence === 'out' && base.desired === 'in',
  };
}

/** `foldChange` on a membership as it was read: the write applies only to exactly that item (its `qualifiedAt` and `version`). */
export function foldChangeOnRead(existing: Membership, record: ActivationRecord, queueKeys: QueueKeys): FoldChange {
  return { ...foldChange(existing, record, queueKeys), read: { qualifiedAt: existing.qualifiedAt, version: existing.version } };
}
