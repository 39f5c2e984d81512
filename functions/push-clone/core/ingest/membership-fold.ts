import { ConditionFailedError, type Item, type Store } from '#shared/store/index.ts';
import { isPendingState, keys, membershipSchema, type ActivationRecord, type AppliedState, type Destination, type Membership, type Presence, type StoredAudience } from '#functions/push-clone/core/model.ts';

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
 * condition returns the item as it is now (ALL_OLD), so the fold retries from
 * fresh state without an extra read. That makes it safe beside the runner and
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

/** The membership item a first statement about a person creates. */
export function freshMembershipItem(target: FoldTarget, record: ActivationRecord, now: number): Item {
  const { destination, audience } = target;
  const fresh: Membership = {
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
  return { ...keys.membership(destination.destinationId, audience.audienceId, record.email), type: 'push-membership', ...fresh };
}

/** Work may not start before the audience's start date: the runner's query `gsi1sk <= now` skips it until then. */
export function queueKeysFor({ destination, audience }: FoldTarget, email: string, now: number) {
  const notBefore = new Date(Math.max(Date.parse(audience.startDate), now)).toISOString();
  return {
    gsi1pk: keys.pendingPartition(destination.munchkinId, email),
    gsi1sk: keys.pendingSort(notBefore, destination.destinationId, audience.audienceId, email),
  };
}

export async function foldRecord(store: Store, target: FoldTarget, record: ActivationRecord, now: number): Promise<FoldOutcome> {
  const key = keys.membership(target.destination.destinationId, target.audience.audienceId, record.email);
  const queueKeys = queueKeysFor(target, record.email, now);
  const create = async (): Promise<Membership | undefined> => {
    try {
      await store.put(freshMembershipItem(target, record, now), { expression: 'attribute_not_exists(pk)' });
      return undefined;
    } catch (error) {
      return currentItem(error) ?? (await read(store, key));
    }
  };
  // Most records of a backfill are new people: try the create first, and let a lost condition hand back the item.
  let existing = await create();
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (!existing) return 'applied';
    if (!isNewer(record, existing)) return 'stale';
    try {
      const write = foldWriteOnRead(existing, record, queueKeys);
      await store.update(key, write.update, write.condition);
      return 'applied';
    } catch (error) {
      existing = currentItem(error) ?? (await read(store, key)) ?? (await create());
    }
  }
  throw new Error(`membership ${key.pk} kept changing while an activation was folded into it (${MAX_ATTEMPTS} attempts)`);
}

async function read(store: Store, key: { pk: string; sk: string }): Promise<Membership | undefined> {
  const item = await store.get(key);
  return item ? membershipSchema.parse(item) : undefined;
}

/** Whether `record` changes a membership that holds `existing` (the rule the conditions below encode). */
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
 * The conditional update that folds a newer `record` into a membership whose
 * `desired` and `applied` are `base`: replaces desired, qualifiedAt and
 * attributes, bumps `version` when desired changes, and sets or removes the
 * work-queue keys by `isPendingState`. The condition holds only while the item
 * is in `base` and the record is newer than it (`isNewer`, written as a
 * condition), so a write computed from a stale read or a wrong guess is refused.
 */
export function foldWrite(base: FoldBase, record: ActivationRecord, queueKeys: { gsi1pk: string; gsi1sk: string }) {
  const desiredChanged = record.presence !== base.desired;
  const names: Record<string, string> = { '#desired': 'desired', '#qualifiedAt': 'qualifiedAt', '#attributes': 'attributes', '#version': 'version', '#applied': 'applied' };
  const values: Record<string, unknown> = {
    ':desired': record.presence,
    ':qualifiedAt': record.qualifiedAt,
    ':attributes': record.attributes,
    ':increment': desiredChanged ? 1 : 0,
    ':baseDesired': base.desired,
    ':baseApplied': base.applied,
  };
  let expression = 'SET #desired = :desired, #qualifiedAt = :qualifiedAt, #attributes = :attributes, #version = #version + :increment';
  if (!isPendingState(record.presence, base.applied)) {
    expression += ' REMOVE gsi1pk, gsi1sk';
  } else {
    // Already queued for the same change: keep its place rather than send it to the back.
    expression += desiredChanged ? ', gsi1pk = :gsi1pk, gsi1sk = :gsi1sk' : ', gsi1pk = :gsi1pk, gsi1sk = if_not_exists(gsi1sk, :gsi1sk)';
    values[':gsi1pk'] = queueKeys.gsi1pk;
    values[':gsi1sk'] = queueKeys.gsi1sk;
  }
  const tieGoesOut = record.presence === 'out' && base.desired === 'in';
  const newer = tieGoesOut ? '#qualifiedAt <= :qualifiedAt' : '#qualifiedAt < :qualifiedAt';
  return {
    update: { expression, names, values },
    /** Uses the update's names and values (the store sends both together). */
    condition: { expression: `#desired = :baseDesired AND #applied = :baseApplied AND ${newer}` },
  };
}

/**
 * `foldWrite` on a membership as it was read: the condition also insists on the
 * read `qualifiedAt` and `version`, so the write applies only to exactly that
 * item (its names and most values come with the update expression).
 */
export function foldWriteOnRead(existing: Membership, record: ActivationRecord, queueKeys: { gsi1pk: string; gsi1sk: string }) {
  const write = foldWrite(existing, record, queueKeys);
  return {
    update: write.update,
    condition: {
      expression: `${write.condition.expression} AND #qualifiedAt = :readQualifiedAt AND #version = :readVersion`,
      values: { ':readQualifiedAt': existing.qualifiedAt, ':readVersion': existing.version },
    },
  };
}

/** The item a lost condition returned; undefined (read it again) when DynamoDB returned none. */
function currentItem(error: unknown): Membership | undefined {
  if (!(error instanceof ConditionFailedError)) throw error;
  return error.existing ? membershipSchema.parse(error.existing) : undefined;
}
