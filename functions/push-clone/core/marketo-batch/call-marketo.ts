import { MarketoRequestError } from '#shared/marketo/index.ts';
import { respondToMarketoFailure } from '#functions/push-clone/core/runner/marketo-failures.ts';
import { groupBy } from '#shared/collections.ts';
import { BatchLeadIds, cacheIsShared, findLeadIds, upsertLeads } from '#functions/push-clone/core/marketo-batch/lead-ids.ts';
import { addToList, outcomeKindFor, removedOutcome, removeFromList, type Placed } from '#functions/push-clone/core/marketo-batch/list-changes.ts';
import { writeBack } from '#functions/push-clone/core/marketo-batch/write-back.ts';
import { explainReason, refusedOutcome } from '#functions/push-clone/core/outcomes/outcome-reasons.ts';
import { planRetry } from '#functions/push-clone/core/outcomes/person-history.ts';
import type { ItemResult, RunContext, StopReason, WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

/** A batch whose Marketo calls are done: each person's result, still to be written back. */
export interface CalledBatch {
  results: ItemResult[];
  atIso: string;
  /** Why the run must stop after this batch (Marketo said so), if it must. */
  stop?: StopReason;
}

/**
 * The Marketo half of one batch: calls for the people that need them (lead IDs
 * resolved and cached first), and cached IDs that Marketo says are wrong
 * forgotten. Results gathered before a failure are kept, so
 * work done is written back and never done again.
 */
export async function callMarketo(ctx: RunContext, items: readonly WorkItem[]): Promise<CalledBatch> {
  const atIso = new Date(ctx.now()).toISOString();
  const results: ItemResult[] = [];
  for (const item of items) {
    if (item.action === 'in_step') results.push({ item });
    else if (item.action === 'expire') results.push({ item, outcome: { kind: 'expired', reason: item.reason ?? 'end_date', message: explainReason(item.reason ?? 'end_date'), at: atIso } });
  }
  const calling = items.filter((item) => item.action === 'add' || item.action === 'remove');
  const leadIds = new BatchLeadIds(ctx.ports.store, ctx.munchkinId, cacheIsShared(ctx.destinations.values()));
  let stop: StopReason | undefined;
  if (calling.length > 0) {
    await leadIds.load(calling);
    for (const [destinationId, destinationItems] of groupBy(calling, (item) => item.destination.destinationId)) {
      try {
        await pushDestination(ctx, leadIds, destinationItems, results, atIso);
      } catch (error) {
        stop = await respondToMarketoFailure(ctx, destinationId, destinationItems, error, atIso);
        if (stop) break;
      }
    }
  }
  ctx.summary.batches += 1;
  // Before the next batch reads the cache: it must not pick up an ID Marketo just refused.
  for (const result of results) if (result.forgetLeadId) await leadIds.forget(result.item.membership.email);
  return stop ? { results, atIso, stop } : { results, atIso };
}

/** The DynamoDB half of one batch: the calls counted, every person's result written back and counted. Returns how many were written (progress). */
export async function writeResults(ctx: RunContext, { results: called, atIso }: CalledBatch): Promise<number> {
  await ctx.flushCalls();
  // Failures get their attempt count and, when transient, their retry time; the run keeps the marker alive until then.
  const results = called.map((result) => (result.outcome ? { ...result, outcome: planRetry(result.item.membership, result.outcome, Date.parse(atIso)) } : result));
  for (const { outcome } of results) if (outcome?.retryAt) ctx.noteRetryAt(Date.parse(outcome.retryAt));
  // Outcomes, history and their counters are written together (one transaction per chunk), so they cannot disagree.
  const tally = await writeBack(ctx.ports.store, results, atIso, ctx.settings.writeConcurrency, ctx.settings.history);
  ctx.summary.conflicts += tally.conflicts;
  for (const { outcome } of tally.written) if (outcome) ctx.summary.outcomes[outcome.kind] += 1;
  return tally.written.length;
}

/** The calls for one destination's people: resolve unknown lead IDs, then change list membership. */
async function pushDestination(ctx: RunContext, leadIds: BatchLeadIds, items: WorkItem[], results: ItemResult[], atIso: string): Promise<void> {
  const client = ctx.ports.marketo;
  const destination = items[0]?.destination;
  if (!destination) return;
  const adds = items.filter((item) => item.action === 'add');
  const removes = items.filter((item) => item.action === 'remove');

  const unknownAdds = adds.filter((item) => leadIds.get(item.membership.email) === undefined);
  if (unknownAdds.length > 0) {
    if (destination.personCreationMode === 'createMissing') {
      const { ids, refused } = await upsertLeads(client, destination, unknownAdds);
      await leadIds.save(ids, atIso);
      for (const item of unknownAdds) {
        const reason = refused.get(item.membership.email);
        if (reason !== undefined) results.push({ item, outcome: refusedOutcome(outcomeKindFor(reason.code), reason.code, reason.message, atIso) });
      }
    } else {
      const found = await findLeadIds(client, unknownAdds.map((item) => item.membership.email));
      await leadIds.save(found, atIso);
      for (const item of unknownAdds) {
        if (!found.has(item.membership.email)) results.push({ item, outcome: refusedOutcome('skipped', 'not_found_in_marketo', undefined, atIso) });
      }
    }
  }
  // A removal whose ID we lost is looked up, never created; someone Marketo does not know is in no list.
  const unknownRemoves = removes.filter((item) => leadIds.get(item.membership.email) === undefined);
  if (unknownRemoves.length > 0) {
    const found = await findLeadIds(client, unknownRemoves.map((item) => item.membership.email));
    await leadIds.save(found, atIso);
    for (const item of unknownRemoves) {
      if (!found.has(item.membership.email)) results.push({ item, applied: 'out', outcome: removedOutcome(item, atIso) });
    }
  }

  for (const [listId, listItems] of groupBy(adds, (item) => String(item.audience.listId))) {
    results.push(...(await guardRequest(listItems, atIso, () => addToList(client, Number(listId), placedOf(listItems, leadIds), atIso))));
  }
  for (const [listId, listItems] of groupBy(removes, (item) => String(item.audience.listId))) {
    results.push(...(await guardRequest(listItems, atIso, () => removeFromList(client, Number(listId), placedOf(listItems, leadIds), atIso))));
  }
}

function placedOf(items: readonly WorkItem[], leadIds: BatchLeadIds): Placed[] {
  return items.flatMap((item) => {
    const leadId = leadIds.get(item.membership.email);
    return leadId === undefined ? [] : [{ item, leadId }];
  });
}

/** Marketo refused the call as a whole for what we sent (413/414/1003): those people fail with the code, the rest go on. */
async function guardRequest(items: readonly WorkItem[], atIso: string, call: () => Promise<ItemResult[]>): Promise<ItemResult[]> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof MarketoRequestError)) throw error;
    return items.map((item) => ({ item, outcome: refusedOutcome('failed', error.code, error.message, atIso) }));
  }
}
