import type { MarketoClient } from '../../../shared/marketo';
import { MAX_RECORDS_PER_CALL } from '../../../shared/marketo';
import { chunks, groupBy } from './batch-parallel';
import type { ItemResult, WorkItem } from './runner-types';

export interface Placed {
  item: WorkItem;
  leadId: number;
}

/** Marketo's per-record codes that mean "this record was not processed, nothing is wrong with our setup". */
const SKIP_CODES = new Set(['1004', '1007', '1015']);

export function outcomeKindFor(code: string): 'skipped' | 'failed' {
  return SKIP_CODES.has(code) ? 'skipped' : 'failed';
}

/**
 * Adds people to one list, 300 lead IDs a call. Adding a member again is
 * harmless ("added"), which is what makes a re-run after a crash safe.
 */
export async function addToList(client: MarketoClient, listId: number, placed: readonly Placed[], atIso: string): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const byLead = groupBy(placed, (entry) => String(entry.leadId));
  for (const ids of chunks([...byLead.keys()].map(Number), MAX_RECORDS_PER_CALL)) {
    const answers = new Map((await client.addToList(listId, ids)).map((answer) => [answer.id, answer]));
    for (const id of ids) {
      const answer = answers.get(id);
      for (const { item, leadId } of byLead.get(String(id)) ?? []) {
        if (answer?.status === 'added') results.push({ item, leadId, applied: 'in', outcome: { kind: 'added', at: atIso } });
        else if (answer === undefined) results.push({ item, leadId, outcome: { kind: 'failed', reason: 'no_result', at: atIso } });
        else if (answer.reasons[0]?.code === '1004') results.push({ item, forgetLeadId: true }); // lead deleted or merged: look it up again
        else {
          const code = answer.reasons[0]?.code ?? 'unspecified';
          results.push({ item, leadId, outcome: { kind: outcomeKindFor(code), reason: code, at: atIso } });
        }
      }
    }
  }
  return results;
}

/**
 * Removes people from one list. "Not in list" (1015) and "no such lead" (1004)
 * both leave the list without the person, which is what we wanted.
 */
export async function removeFromList(client: MarketoClient, listId: number, placed: readonly Placed[], atIso: string): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  const byLead = groupBy(placed, (entry) => String(entry.leadId));
  for (const ids of chunks([...byLead.keys()].map(Number), MAX_RECORDS_PER_CALL)) {
    const answers = new Map((await client.removeFromList(listId, ids)).map((answer) => [answer.id, answer]));
    for (const id of ids) {
      const answer = answers.get(id);
      const code = answer?.status === 'skipped' ? (answer.reasons[0]?.code ?? 'unspecified') : undefined;
      for (const { item, leadId } of byLead.get(String(id)) ?? []) {
        if (answer?.status === 'removed' || code === '1015' || code === '1004') {
          results.push({ item, leadId, applied: 'out', outcome: removedOutcome(item, atIso) });
        } else {
          results.push({ item, leadId, outcome: { kind: 'failed', reason: code ?? 'no_result', at: atIso } });
        }
      }
    }
  }
  return results;
}

export function removedOutcome(item: WorkItem, atIso: string): ItemResult['outcome'] {
  return item.reason ? { kind: 'removed', reason: item.reason, at: atIso } : { kind: 'removed', at: atIso };
}
