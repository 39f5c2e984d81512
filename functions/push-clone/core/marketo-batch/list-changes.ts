import type { MarketoClient } from '#shared/marketo/index.ts';
import { marketoRecordRule, MAX_RECORDS_PER_CALL } from '#shared/marketo/index.ts';
import { chunks, groupBy } from '#shared/collections.ts';
import { refusedOutcome } from '#functions/push-clone/core/outcomes/outcome-reasons.ts';
import type { ItemResult, WorkItem } from '#functions/push-clone/core/runner/run-context.ts';

export interface Placed {
  item: WorkItem;
  leadId: number;
}

/** How a person refused with a record-level code is counted: the one table of Marketo codes decides. */
export function outcomeKindFor(code: string): 'skipped' | 'failed' {
  return marketoRecordRule(code).outcome;
}

/**
 * Adds people to one list, 300 lead IDs a call. Adding a member again is
 * harmless ("added"), which is what makes a re-run after a crash safe.
 */
export function addToList(client: MarketoClient, listId: number, placed: readonly Placed[], atIso: string): Promise<ItemResult[]> {
  return perPerson(placed, (ids) => client.addToList(listId, ids), ({ item, leadId }, answer) => {
    if (answer?.status === 'added') return { item, leadId, applied: 'in', outcome: { kind: 'added', at: atIso } };
    if (answer === undefined) return { item, leadId, outcome: refusedOutcome('failed', 'no_result', undefined, atIso) };
    const code = answer.reasons[0]?.code ?? 'unspecified';
    if (marketoRecordRule(code).leadGone) return { item, forgetLeadId: true }; // lead deleted or merged: look it up again
    return { item, leadId, outcome: refusedOutcome(outcomeKindFor(code), code, answer.reasons[0]?.message, atIso) };
  });
}

/**
 * Removes people from one list. Codes that say the person is already out of
 * it ("not in list" 1015, "no such lead" 1004) count as removed: that is what
 * we wanted.
 */
export function removeFromList(client: MarketoClient, listId: number, placed: readonly Placed[], atIso: string): Promise<ItemResult[]> {
  return perPerson(placed, (ids) => client.removeFromList(listId, ids), ({ item, leadId }, answer) => {
    const reason = answer?.status === 'skipped' ? (answer.reasons[0] ?? { code: 'unspecified', message: '' }) : undefined;
    if (answer?.status === 'removed' || (reason !== undefined && marketoRecordRule(reason.code).absentFromList)) return { item, leadId, applied: 'out', outcome: removedOutcome(item, atIso) };
    return { item, leadId, outcome: refusedOutcome('failed', reason?.code ?? 'no_result', reason?.message, atIso) };
  });
}

/**
 * One list call per 300 distinct lead IDs (two people of one batch may share a
 * lead: one ID is sent once), then each person's result from their lead's answer.
 */
async function perPerson<Answer extends { id: number }>(
  placed: readonly Placed[],
  change: (ids: number[]) => Promise<Answer[]>,
  resultFor: (entry: Placed, answer: Answer | undefined) => ItemResult,
): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const byLead = groupBy(placed, (entry) => String(entry.leadId));
  for (const ids of chunks([...byLead.keys()].map(Number), MAX_RECORDS_PER_CALL)) {
    const answers = new Map((await change(ids)).map((answer) => [answer.id, answer]));
    for (const id of ids) for (const entry of byLead.get(String(id)) ?? []) results.push(resultFor(entry, answers.get(id)));
  }
  return results;
}

export function removedOutcome(item: WorkItem, atIso: string): ItemResult['outcome'] {
  return item.reason ? { kind: 'removed', reason: item.reason, at: atIso } : { kind: 'removed', at: atIso };
}
