import { z } from 'zod';
import { ConditionFailedError, type Expression, type Item, type Store, type TransactOp } from '#shared/store/index.ts';
import { keys, membershipSchema, type FoldChange, type Membership, type MembershipChange } from '#functions/push-clone/core/model.ts';
import { addCountsOp, type AudienceCounts } from '#functions/push-clone/persistence/stats.ts';

/**
 * Membership items (`DEST#<id>#AUD#<audienceId>` / `P#<email>`) and their
 * place in the work queue (gsi1). Ingest folds activations into them, the
 * runner writes outcomes back, an admin's requeue moves failed people back
 * to the queue; each of those writes is conditioned on the state it was
 * computed from, and every such expression is built here. The changes
 * themselves are decided in core (`FoldChange`, `MembershipChange` in `core/model.ts`).
 */

type MembershipKey = Pick<Membership, 'destinationId' | 'audienceId' | 'email'>;

export const membershipKey = (membership: MembershipKey) => keys.membership(membership.destinationId, membership.audienceId, membership.email);
const keyString = (key: { pk: string; sk: string }) => `${key.pk}\u0000${key.sk}`;

function membershipItem(membership: Membership): Item {
  return { ...membershipKey(membership), type: 'push-membership', ...membership };
}

/** What a write that lost found: the membership as it is now (undefined when gone). */
export type WriteResult = { written: true } | { written: false; current: Membership | undefined };

/**
 * The memberships with these keys (consistent BatchGets of 100), by
 * `membershipKey`; absent ones are left out. An item that does not read as a
 * membership throws, unless `skipUnreadable` (then it is left out too).
 */
export async function readMemberships(store: Store, wanted: readonly MembershipKey[], options: { skipUnreadable?: boolean } = {}): Promise<Map<string, Membership>> {
  const found = new Map<string, Membership>();
  for (const item of await store.getMany(wanted.map(membershipKey), { consistent: true })) {
    if (!options.skipUnreadable) {
      found.set(keyString(item), membershipSchema.parse(item));
      continue;
    }
    const parsed = membershipSchema.safeParse(item);
    if (parsed.success) found.set(keyString(item), parsed.data);
  }
  return found;
}

/** The membership with this key as `readMemberships` keyed it. */
export function lookUp(found: ReadonlyMap<string, Membership>, wanted: MembershipKey): Membership | undefined {
  return found.get(keyString(membershipKey(wanted)));
}

export async function readMembership(store: Store, wanted: MembershipKey): Promise<Membership | undefined> {
  const item = await store.get(membershipKey(wanted));
  return item ? membershipSchema.parse(item) : undefined;
}

/** The membership as a lost condition returned it, or read again when DynamoDB returned none. */
async function currentAfterLoss(store: Store, wanted: MembershipKey, error: unknown): Promise<Membership | undefined> {
  if (!(error instanceof ConditionFailedError)) throw error;
  return error.existing ? membershipSchema.parse(error.existing) : readMembership(store, wanted);
}

// ---------------------------------------------------------------------------
// Ingest: folding activations in.
// ---------------------------------------------------------------------------

const absent: Expression = { expression: 'attribute_not_exists(pk)' };

/**
 * The conditional update of a fold: replaces desired, qualifiedAt and
 * attributes, bumps `version` when desired changes, sets or removes the queue
 * keys. It holds only while the item is in the fold's base state, is older
 * than the record (or ties and the record says `out`), and, for a change
 * computed on a read, is exactly the item read (`qualifiedAt`, `version`).
 */
function foldUpdate(change: FoldChange): { set: Expression; condition: Expression } {
  const names: Record<string, string> = { '#desired': 'desired', '#qualifiedAt': 'qualifiedAt', '#attributes': 'attributes', '#version': 'version', '#applied': 'applied' };
  const values: Record<string, unknown> = {
    ':desired': change.desired,
    ':qualifiedAt': change.qualifiedAt,
    ':attributes': change.attributes,
    ':increment': change.bumpsVersion ? 1 : 0,
    ':baseDesired': change.base.desired,
    ':baseApplied': change.base.applied,
  };
  let expression = 'SET #desired = :desired, #qualifiedAt = :qualifiedAt, #attributes = :attributes, #version = #version + :increment';
  if (change.queue === 'out') {
    expression += ' REMOVE gsi1pk, gsi1sk';
  } else {
    expression += change.queue.keepPlace ? ', gsi1pk = :gsi1pk, gsi1sk = if_not_exists(gsi1sk, :gsi1sk)' : ', gsi1pk = :gsi1pk, gsi1sk = :gsi1sk';
    values[':gsi1pk'] = change.queue.at.gsi1pk;
    values[':gsi1sk'] = change.queue.at.gsi1sk;
  }
  const newer = change.tieWins ? '#qualifiedAt <= :qualifiedAt' : '#qualifiedAt < :qualifiedAt';
  let condition = `#desired = :baseDesired AND #applied = :baseApplied AND ${newer}`;
  if (change.read) {
    condition += ' AND #qualifiedAt = :readQualifiedAt AND #version = :readVersion';
    values[':readQualifiedAt'] = change.read.qualifiedAt;
    values[':readVersion'] = change.read.version;
  }
  // The condition uses the update's names and values (the store sends both together).
  return { set: { expression, names, values }, condition: { expression: condition } };
}

/** Creates the membership a first statement about a person makes, unless one exists. */
export async function createMembership(store: Store, membership: Membership): Promise<WriteResult> {
  try {
    await store.put(membershipItem(membership), absent);
    return { written: true };
  } catch (error) {
    return { written: false, current: await currentAfterLoss(store, membership, error) };
  }
}

/** Folds a newer statement into the membership `change` was computed on. */
export async function applyFold(store: Store, wanted: MembershipKey, change: FoldChange): Promise<WriteResult> {
  const { set, condition } = foldUpdate(change);
  try {
    await store.update(membershipKey(wanted), set, condition);
    return { written: true };
  } catch (error) {
    return { written: false, current: await currentAfterLoss(store, wanted, error) };
  }
}

export type FoldWrite = { create: Membership } | { fold: FoldChange; key: MembershipKey };

const ATTEMPTS_PER_TRANSACTION = 3;

/**
 * Writes up to 100 fold writes in one transaction, again without the losers.
 * A transaction that loses names the items whose condition failed
 * (CancellationReasons): the others go again. Returns the indexes of the
 * writes that did not land (a condition lost, or a failure that cannot be
 * told apart): the caller folds those one by one.
 */
export async function writeFolds(store: Store, writes: readonly FoldWrite[]): Promise<Set<number>> {
  const ops = writes.map((write): TransactOp => {
    if ('create' in write) return { put: membershipItem(write.create), condition: absent };
    const { set, condition } = foldUpdate(write.fold);
    return { update: membershipKey(write.key), set, condition };
  });
  const notWritten = new Set<number>();
  let remaining = ops.map((_, index) => index);
  for (let attempt = 0; attempt < ATTEMPTS_PER_TRANSACTION && remaining.length > 0; attempt += 1) {
    try {
      await store.transact(remaining.map((index) => ops[index] as TransactOp));
      remaining = [];
    } catch (error) {
      const lost = failedConditions(error, remaining.length);
      // Not a condition we can attribute (a conflict with another writer, throttling): leave them to the one-by-one fold.
      if (!lost) break;
      remaining.forEach((index, position) => lost.has(position) && notWritten.add(index));
      remaining = remaining.filter((_, position) => !lost.has(position));
    }
  }
  for (const index of remaining) notWritten.add(index);
  return notWritten;
}

const cancellationSchema = z.object({ CancellationReasons: z.array(z.looseObject({ Code: z.string().optional() })) });

/** Positions in the transaction of the items whose condition failed, when DynamoDB said so item by item. */
function failedConditions(error: unknown, size: number): Set<number> | undefined {
  if (!(error instanceof ConditionFailedError)) return undefined;
  const cancellation = cancellationSchema.safeParse(error.cause);
  if (!cancellation.success || cancellation.data.CancellationReasons.length !== size) return undefined;
  const failed = new Set<number>();
  cancellation.data.CancellationReasons.forEach((reason, index) => {
    if (reason.Code === 'ConditionalCheckFailed') failed.add(index);
  });
  return failed.size > 0 ? failed : undefined;
}

// ---------------------------------------------------------------------------
// The runner's write-back and an admin's requeue.
// ---------------------------------------------------------------------------

/** The update expression of a change decided in core. */
function changeUpdate(change: MembershipChange): Expression {
  const set: string[] = [];
  const remove: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(change.set)) {
    if (value === undefined) continue;
    set.push(`#${field} = :${field}`);
    names[`#${field}`] = field;
    values[`:${field}`] = value;
  }
  if (change.forgetLeadId) remove.push('leadId');
  if (change.queue === 'out') {
    remove.push('gsi1pk', 'gsi1sk');
  } else if (change.queue !== 'unchanged') {
    set.push('gsi1pk = :queuePk', change.queue.keepPlace ? 'gsi1sk = if_not_exists(gsi1sk, :queueSk)' : 'gsi1sk = :queueSk');
    values[':queuePk'] = change.queue.at.gsi1pk;
    values[':queueSk'] = change.queue.at.gsi1sk;
  }
  const expression = [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');
  return { expression, ...(set.length ? { names, values } : {}) };
}

/**
 * The membership is as the runner read it: same `version` (no newer
 * activation), same `applied`, and, when it was read from the queue, still
 * queued (no earlier write-back of the same change, e.g. after a stale index read).
 */
function asRead(membership: Membership, options: { stillQueued: boolean }): Expression {
  const queued = options.stillQueued && membership.gsi1pk !== undefined ? ' AND attribute_exists(gsi1pk)' : '';
  return { expression: `version = :readVersion AND applied = :readApplied${queued}`, values: { ':readVersion': membership.version, ':readApplied': membership.applied } };
}

/** Whether `current` is still the membership as `read` (the same test as `asRead`, on an item read again). */
export function isAsRead(read: Membership, current: Membership | undefined): boolean {
  if (current === undefined || current.version !== read.version || current.applied !== read.applied) return false;
  return read.gsi1pk === undefined || current.gsi1pk !== undefined;
}

/**
 * Applies each change to its membership only while it is as read
 * (`stillQueued`: and still queued, for people read from the queue), and adds
 * `counted` to the audience's counters, in one transaction: the people's
 * updates and the counts they move commit together or not at all. At most
 * 98 changes (100 actions: the counters and the lease fence). Throws
 * ConditionFailedError when any membership moved on. A transaction DynamoDB
 * cancels for a conflicting request in flight on one of its items is tried
 * again (never one whose condition failed).
 */
export async function writeChangesCounted(
  store: Store,
  changes: ReadonlyArray<{ read: Membership; change: MembershipChange }>,
  counted: AudienceCounts | undefined,
  options: { stillQueued: boolean },
): Promise<void> {
  const ops: TransactOp[] = changes.map(({ read, change }) => ({ update: membershipKey(read), set: changeUpdate(change), condition: asRead(read, options) }));
  if (counted) ops.push(addCountsOp(counted));
  for (let attempt = 1; ; attempt += 1) {
    try {
      await store.transact(ops);
      return;
    } catch (error) {
      if (attempt >= 4 || !isTransactionConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt));
    }
  }
}

function isTransactionConflict(error: unknown): boolean {
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> } | undefined)?.CancellationReasons;
  return error instanceof Error && error.name === 'TransactionCanceledException' && (reasons ?? []).some((reason) => reason.Code === 'TransactionConflict');
}

/**
 * Moves a person waiting for an admin (FAILED index) back to the work queue,
 * only while they still wait there at the version read. Returns false when
 * they moved on meanwhile (a newer delivery wins).
 */
export async function requeueMembership(store: Store, read: Membership, change: MembershipChange): Promise<boolean> {
  try {
    await store.update(membershipKey(read), changeUpdate(change), {
      expression: 'gsi1pk = :failedPk AND version = :version',
      values: { ':failedPk': keys.failedPartition(read.destinationId, read.audienceId), ':version': read.version },
    });
    return true;
  } catch (error) {
    if (error instanceof ConditionFailedError) return false;
    throw error;
  }
}

/** Takes an item out of the work queue (it does not read as a membership), if it still exists. */
export async function dropFromQueue(store: Store, key: { pk: string; sk: string }): Promise<void> {
  try {
    await store.update({ pk: key.pk, sk: key.sk }, { expression: 'REMOVE gsi1pk, gsi1sk' }, { expression: 'attribute_exists(pk)' });
  } catch (error) {
    // Gone meanwhile: nothing left to take out of the queue.
    if (!(error instanceof ConditionFailedError)) throw error;
  }
}
