import { BatchPipeline } from '#functions/push-clone/core/runner/batch-pipeline.ts';
import { isEnded } from '#functions/push-clone/core/instance/destination-state.ts';
import { markEndHandled } from '#functions/push-clone/persistence/destinations.ts';
import { keys, membershipSchema, type Destination, type StoredAudience } from '#functions/push-clone/core/model.ts';
import type { RunContext, StopReason, WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

/**
 * Carries out the end-date behaviour of every audience whose end date has
 * passed (docs/push-clone.md step 6), once. `freeze` only records it: pending
 * changes of an ended audience expire when the queue meets them.
 * `removeMembers` takes out of the list every person we put there (pending or
 * not), in 300s, then records it. A crash midway repeats only removals, which
 * are harmless (1015 "not in list").
 */
export async function carryOutEndDates(ctx: RunContext): Promise<StopReason | undefined> {
  const now = ctx.now();
  for (const destination of [...ctx.destinations.values()]) {
    for (const audience of destination.audiences) {
      if (destination.state !== 'active' || destination.paused || destination.deletion || audience.endHandledAt || !isEnded(audience.endDate, now)) continue;
      if (destination.endDateBehavior === 'removeMembers') {
        const stop = await removeEveryMember(ctx, destination, audience);
        if (stop) return stop;
        // A configuration error met while removing stops the destination: do not record the end as handled.
        if (ctx.destinations.get(destination.destinationId)?.state !== 'active') continue;
      }
      await markEndHandled(ctx.ports.store, destination.destinationId, audience, new Date(ctx.now()).toISOString());
      ctx.ports.logger?.info('audience end date carried out', { destinationId: destination.destinationId, audienceId: audience.audienceId, behavior: destination.endDateBehavior });
    }
  }
  return undefined;
}

/**
 * Takes out of the audience's list every person this destination put there,
 * in batches through the pipeline (so within the call budget, and written
 * back as `removed` with `reason`). `keepIf` may spare people (e.g. another
 * destination also put them in that list).
 */
export async function removeEveryMember(
  ctx: RunContext,
  destination: Destination,
  audience: StoredAudience,
  reason = 'end_date',
  keepIf?: (batch: WorkItem[]) => Promise<Set<string>>,
): Promise<StopReason | undefined> {
  const { value } = await BatchPipeline.around(ctx, async (pipeline) => {
    const { batchSize } = ctx.settings;
    let held: WorkItem[] = [];
    const partitions = keys.membershipPartitions(destination.destinationId, audience.audienceId);
    for (const [shard, partition] of partitions.entries()) {
      let cursor: Record<string, unknown> | undefined;
      do {
        const page = await ctx.ports.store.query({ partition, limit: batchSize, startKey: cursor, consistent: true });
        cursor = page.nextKey;
        for (const raw of page.items) {
          const membership = membershipSchema.parse(raw);
          if (membership.applied === 'in') held.push({ membership, destination, audience, action: 'remove', reason });
        }
        const lastPage = !cursor && shard === partitions.length - 1;
        if (held.length >= batchSize || lastPage) {
          const spared = keepIf && held.length > 0 ? await keepIf(held) : undefined;
          const batch = spared ? held.filter((item) => !spared.has(item.membership.email)) : held;
          held = [];
          const stop = batch.length > 0 ? await pipeline.send(batch) : undefined;
          if (stop) return stop;
        }
      } while (cursor);
    }
    return undefined;
  });
  return value;
}
