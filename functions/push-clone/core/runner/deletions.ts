import { chunks } from '#shared/collections.ts';
import { keys, membershipSchema, type Destination } from '#functions/push-clone/core/model.ts';
import { removeDestination } from '#functions/push-clone/persistence/destinations.ts';
import { removeEveryMember } from '#functions/push-clone/core/runner/end-dates.ts';
import type { RunContext, StopReason, WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

/**
 * Carries out the deletions admins asked for (setup/destination-lifecycle.ts):
 * with `removeAdded`, first takes out of each list every person this
 * destination added, sparing those another destination of the instance also
 * holds in that list; then removes the destination's people, counters, the
 * destination and the instance's pointer to it. Each step is idempotent, so a
 * run that stops midway (time, lease, Marketo) is simply carried on later.
 */
export async function carryOutDeletions(ctx: RunContext): Promise<StopReason | undefined> {
  for (const destination of [...ctx.destinations.values()]) {
    if (!destination.deletion) continue;
    if (destination.deletion.lists === 'removeAdded') {
      for (const audience of destination.audiences) {
        const stop = await removeEveryMember(ctx, destination, audience, 'destination_deleted', (batch) => heldElsewhere(ctx, destination, batch));
        if (stop) return stop;
      }
      // A configuration error met while removing (permission) stopped the destination: people may still be in the list, so keep it for now.
      if (ctx.destinations.get(destination.destinationId)?.state === 'stopped') {
        ctx.ports.logger?.warn('destination deletion waits: removing its people failed', { destinationId: destination.destinationId });
        continue;
      }
    }
    const stop = await purge(ctx, destination);
    if (stop) return stop;
    ctx.destinations.delete(destination.destinationId);
    ctx.ports.logger?.info('destination deleted', { destinationId: destination.destinationId, lists: destination.deletion.lists });
  }
  return undefined;
}

/** Emails of the batch that another (not deleted) destination of the instance holds in the same list: they stay. */
async function heldElsewhere(ctx: RunContext, deleted: Destination, batch: WorkItem[]): Promise<Set<string>> {
  const listId = batch[0]?.audience.listId;
  const others = [...ctx.destinations.values()].flatMap((destination) =>
    destination.destinationId === deleted.destinationId || destination.deletion ? [] : destination.audiences.filter((audience) => audience.listId === listId).map((audience) => ({ destination, audience })),
  );
  const held = new Set<string>();
  for (const { destination, audience } of others) {
    const items = await ctx.ports.store.getMany(batch.map((item) => keys.membership(destination.destinationId, audience.audienceId, item.membership.email)));
    for (const item of items) {
      const membership = membershipSchema.parse(item);
      if (membership.applied === 'in') held.add(membership.email);
    }
  }
  return held;
}

/** Deletes the destination's memberships, counters, then the destination and its pointer (last, so a stopped purge is found again). */
async function purge(ctx: RunContext, destination: Destination): Promise<StopReason | undefined> {
  const { store } = ctx.ports;
  for (const audience of destination.audiences) {
    for (const partition of keys.membershipPartitions(destination.destinationId, audience.audienceId)) {
      for (;;) {
        const stop = await ctx.beforeBatch();
        if (stop) return stop;
        const page = await store.query({ partition, limit: 500, consistent: true });
        if (page.items.length === 0) break;
        for (const part of chunks(page.items, 100)) await store.deleteMany(part.map(({ pk, sk }) => ({ pk, sk })));
      }
    }
    await store.delete(keys.stats(destination.destinationId, audience.audienceId));
  }
  await removeDestination(store, destination);
  return undefined;
}
