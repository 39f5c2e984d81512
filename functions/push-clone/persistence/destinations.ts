import { z } from 'zod';
import { ConditionFailedError, type Expression, type Item, type Store, type TransactOp } from '#shared/store/index.ts';
import { withRunState, type DestinationRunState, type DestinationSetup } from '#functions/push-clone/core/instance/destination-state.ts';
import { destinationSchema, instanceDestinationSchema, keys, type Destination, type StoredAudience } from '#functions/push-clone/core/model.ts';
import { touchWorkMarkerOp } from '#functions/push-clone/persistence/work-marker.ts';

/**
 * A destination is two items with one writer each (docs/push-clone.md,
 * "Who writes a destination"):
 *
 * - the setup (`DEST#<id>` / `DEST`): written by the admin only (save, pause,
 *   resume, delete), every save conditioned on the setup the admin read and
 *   bumping `version`;
 * - the run state (`DEST#<id>` / `RUNSTATE`): written by the runner only (a
 *   stop, with the setup `version` it ran with; per audience, the end date
 *   whose behaviour it carried out).
 *
 * Neither writer can undo the other, and every reader gets the two joined by
 * `withRunState` (a stop against an older setup does not count).
 */

const setupItemSchema = destinationSchema.omit({ state: true, stoppedReason: true });

const stopSchema = z.object({ reason: z.string(), version: z.number().int().nonnegative(), at: z.string().optional() });
const endMarkSchema = z.object({ endDate: z.string(), at: z.string() });
/** One attribute per audience, so a mark is one SET that never rewrites another audience's. */
const END_MARK_PREFIX = 'ended#';

function setupOf(item: Item): DestinationSetup {
  return setupItemSchema.parse(item);
}

function runStateOf(item: Item | undefined): DestinationRunState {
  if (!item) return { ended: {} };
  const ended: DestinationRunState['ended'] = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(END_MARK_PREFIX)) ended[name.slice(END_MARK_PREFIX.length)] = endMarkSchema.parse(value);
  }
  return { stopped: item.stopped === undefined ? undefined : stopSchema.parse(item.stopped), ended };
}

const itemKey = (item: { pk: string; sk: string }) => `${item.pk}\u0000${item.sk}`;

/** Reads the setups and run states of several destinations in BatchGets, joined. */
async function readJoined(store: Store, destinationIds: readonly string[]): Promise<Destination[]> {
  const items = new Map((await store.getMany(destinationIds.flatMap((id) => [keys.destination(id), keys.destinationRunState(id)]))).map((item) => [itemKey(item), item]));
  return destinationIds.flatMap((id) => {
    const setup = items.get(itemKey(keys.destination(id)));
    return setup ? [withRunState(setupOf(setup), runStateOf(items.get(itemKey(keys.destinationRunState(id)))))] : [];
  });
}

/** One destination: its two items read side by side (GetItems, one round trip). */
export async function readDestination(store: Store, destinationId: string): Promise<Destination | undefined> {
  const [setup, runState] = await Promise.all([store.get(keys.destination(destinationId)), store.get(keys.destinationRunState(destinationId))]);
  return setup ? withRunState(setupOf(setup), runStateOf(runState)) : undefined;
}

/**
 * Every destination of an instance, by ID: the pointer items, then the
 * destinations in one BatchGet. A pointer left behind by a destination that
 * moved instance is ignored.
 */
export async function listInstanceDestinations(store: Store, munchkinId: string): Promise<Map<string, Destination>> {
  const pointers = await store.queryAll(keys.instanceDestinationsPrefix(munchkinId));
  const destinations = await readJoined(store, pointers.map((pointer) => instanceDestinationSchema.parse(pointer).destinationId));
  return new Map(destinations.filter((destination) => destination.munchkinId === munchkinId).map((destination) => [destination.destinationId, destination]));
}

/** The setup item as stored: the runner's fields (state, stop reason, end marks) are never written here. */
function setupItem(destination: Destination, version: number): Item {
  const { state: _state, stoppedReason: _stoppedReason, ...setup } = destination;
  const audiences = setup.audiences.map(({ endHandledAt: _endHandledAt, ...audience }) => audience);
  return { ...keys.destination(destination.destinationId), type: 'push-destination', ...setup, audiences, version };
}

/**
 * Writes an admin's setup: the destination (its `version` one above the one
 * read) and the instance's pointer to it, and, when `wakeWorkAtMs` is given,
 * touches the work marker, in one transaction conditioned on the setup the
 * save started from (`previous`; absent: no destination yet). Returns the
 * destination as readers now see it. ConditionFailedError when someone else
 * changed the setup meanwhile.
 */
export async function writeDestinationSetup(store: Store, destination: Destination, previous: Destination | undefined, wakeWorkAtMs?: number): Promise<Destination> {
  const version = (previous?.version ?? 0) + 1;
  await store.transact([
    {
      put: setupItem(destination, version),
      condition: previous ? { expression: 'updatedAt = :previous', values: { ':previous': previous.updatedAt } } : { expression: 'attribute_not_exists(pk)' },
    },
    { put: { ...keys.instanceDestination(destination.munchkinId, destination.destinationId), type: 'push-instance-destination', destinationId: destination.destinationId } },
    ...(wakeWorkAtMs === undefined ? [] : [touchWorkMarkerOp(destination.munchkinId, wakeWorkAtMs)]),
  ]);
  return { ...destination, version };
}

/** Still there and not being deleted: what a pause, a resume or a deletion request insists on. */
const changeable = { expression: 'attribute_exists(pk) AND attribute_not_exists(deletion)' };

/**
 * Pauses or resumes (an admin's), touching the work marker in the same
 * transaction when `wakeWorkAtMs` is given. ConditionFailedError when the
 * destination is gone or being deleted.
 */
export async function writePaused(store: Store, destination: Pick<Destination, 'destinationId' | 'munchkinId'>, change: { paused: boolean; atIso: string; actor: string }, wakeWorkAtMs?: number): Promise<void> {
  await store.transact([
    {
      update: keys.destination(destination.destinationId),
      set: { expression: 'SET paused = :paused, updatedAt = :now, updatedBy = :actor', values: { ':paused': change.paused, ':now': change.atIso, ':actor': change.actor } },
      condition: changeable,
    },
    ...(wakeWorkAtMs === undefined ? [] : [touchWorkMarkerOp(destination.munchkinId, wakeWorkAtMs)]),
  ]);
}

/** Marks the destination for deletion (an admin's) and wakes the instance's runner, which carries it out. ConditionFailedError when it is gone or already marked. */
export async function writeDeletionRequest(store: Store, destination: Pick<Destination, 'destinationId' | 'munchkinId'>, deletion: NonNullable<Destination['deletion']>, atMs: number): Promise<void> {
  await store.transact([
    {
      update: keys.destination(destination.destinationId),
      set: { expression: 'SET deletion = :deletion, updatedAt = :now', values: { ':deletion': deletion, ':now': new Date(atMs).toISOString() } },
      condition: changeable,
    },
    touchWorkMarkerOp(destination.munchkinId, atMs),
  ]);
}

/** The last step of a deletion (the runner's): the setup, its run state and the instance's pointer, together. */
export async function removeDestination(store: Store, destination: Pick<Destination, 'destinationId' | 'munchkinId'>): Promise<void> {
  await store.transact([
    { delete: keys.destination(destination.destinationId) },
    { delete: keys.destinationRunState(destination.destinationId) },
    { delete: keys.instanceDestination(destination.munchkinId, destination.destinationId) },
  ]);
}

/** A run-state write, only while the destination exists (a deleted one gets no stray run state); on a fenced store, fenced. */
function runStateWrite(destinationId: string, set: Expression): TransactOp[] {
  return [
    { check: keys.destination(destinationId), condition: { expression: 'attribute_exists(pk)' } },
    { update: keys.destinationRunState(destinationId), set: { ...set, expression: `${set.expression}, destinationId = :destinationId`, values: { ...set.values, ':destinationId': destinationId } } },
  ];
}

/**
 * Stops a destination after a configuration error (the runner's): recorded
 * against the setup `version` the runner ran with, so an admin's save since
 * (the fix) is not undone. ConditionFailedError when the destination is gone.
 */
export async function stopDestination(store: Store, destination: Destination, reason: string): Promise<Destination> {
  const stop = { reason, version: destination.version ?? 0 };
  await store.transact(runStateWrite(destination.destinationId, { expression: 'SET stopped = :stop', values: { ':stop': stop } }));
  return { ...destination, state: 'stopped', stoppedReason: reason };
}

/**
 * Records (the runner's) that an audience's end-date behaviour was carried out
 * for its end date as the runner read it: a new end date saved since reopens
 * the audience. Nothing is recorded for a destination deleted meanwhile.
 */
export async function markEndHandled(store: Store, destinationId: string, audience: Pick<StoredAudience, 'audienceId' | 'endDate'>, atIso: string): Promise<void> {
  if (audience.endDate === undefined) return;
  try {
    await store.transact(
      runStateWrite(destinationId, { expression: 'SET #mark = :mark', names: { '#mark': `${END_MARK_PREFIX}${audience.audienceId}` }, values: { ':mark': { endDate: audience.endDate, at: atIso } } }),
    );
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
  }
}
