import { classifyMarketoCode, marketoRefusalSubject, type MarketoRefusalSubject } from '#shared/marketo/index.ts';
import type { Outcome } from '#functions/push-clone/core/model.ts';

/**
 * What each per-person outcome reason means and what to do about it: the one
 * home of the words the status, the person lookup and the logs show. Which
 * failures are transient and what a Marketo refusal is about (setup or data)
 * are rules of Marketo's code table (`shared/marketo/errors.ts`), read here.
 *
 * - `transient`: nothing is wrong with the setup or the person; the runner
 *   tries again on a later tick, with backoff (RETRY_BACKOFF).
 * - `setup`: the destination or the API user's role is wrong; the person
 *   waits until an admin fixes the setup (a save that changes it requeues
 *   the destination's failed people) or asks for a retry.
 * - `data`: Marketo refused this person's data; the person waits, as for setup.
 */
export type FailureClass = 'transient' | MarketoRefusalSubject;

export function failureClass(code: string): FailureClass {
  if (code === 'no_result' || classifyMarketoCode(code) === 'transient') return 'transient';
  return marketoRefusalSubject(code);
}

/** Transient failures are retried after 1, 2, 4 ... minutes (at most an hour apart), six times, then wait for an admin. */
export const RETRY_BACKOFF = { firstDelayMs: 60_000, maxDelayMs: 3_600_000, maxAttempts: 6 } as const;

export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_BACKOFF.maxDelayMs, RETRY_BACKOFF.firstDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** Marketo names the field in 1006's message: `Field 'favouriteColour' not found`. */
function quotedName(marketoMessage: string | undefined): string | undefined {
  return /'([^']{1,100})'/.exec(marketoMessage ?? '')?.[1];
}

/**
 * A sentence an admin can act on, for a skipped, failed or expired person.
 * `marketoMessage` is what Marketo said for the record, kept in the sentence.
 */
export function explainReason(code: string, marketoMessage?: string): string {
  const said = marketoMessage ? `: "${marketoMessage}"` : '';
  switch (code) {
    case 'not_found_in_marketo':
      return 'No Marketo person has this email, and the destination only matches existing people ("match existing people only"): the person is not created. Create them in Marketo, or switch the destination to "create missing people".';
    case '1006': {
      const field = quotedName(marketoMessage);
      return `Marketo has no lead field ${field ? `'${field}'` : 'named in the field mapping'} (1006${said}). Fix the destination's field mapping and save it (its failed people are then retried), or create the field in Marketo (Admin > Field Management) and retry the failed people.`;
    }
    case '1008':
      return `The API user may not write to this person's partition (1008${said}). Give its role access to the workspace of that partition, or change the destination's partition, then retry the failed people.`;
    case '1009':
    case '1010':
      return `Marketo refused the partition (${code}${said}). Check the destination's partition, then retry the failed people.`;
    case '1001':
      return `Marketo refused a value of this person (1001${said}): the mapped AEP attribute does not fit the Marketo field's type. Fix the field mapping or the data in AEP, then retry.`;
    case '1003':
      return `Marketo refused this person's data (1003${said}). Check the field mapping and the person's attributes, then retry.`;
    case '1007':
      return `Several Marketo people share this email (1007${said}): Marketo cannot tell which to update. Merge the duplicates in Marketo; the next activation of this person retries.`;
    case '1004':
      return `Marketo no longer knows this person (1004${said}).`;
    case '413':
    case '414':
    case 'too-many-records':
      return `Marketo refused the whole request this person was in as too large (${code}). Retry the failed people; if it happens again, report it.`;
    case 'no_result':
      return 'Marketo gave no answer for this person in its reply. Retried automatically on a later tick.';
    case 'end_date':
      return "The audience's end date had passed: the change was dropped (end-date behaviour 'freeze').";
    case 'audience_not_mapped':
      return 'The audience is no longer mapped in this destination: the change was dropped.';
    case 'destination_not_found':
      return 'The destination was deleted: the change was dropped.';
    case 'destination_deleted':
      return 'The destination was deleted with "remove the people it added": the person was taken out of the list.';
    default:
      return `Marketo refused this person with code ${code}${said}.`;
  }
}

/**
 * A person's outcome from a finished bulk import, in words like the REST
 * path's: Marketo's failures and warnings files give a sentence per row, not
 * a code, so the reason keeps that sentence (people refused for the same one
 * are grouped) and the message says which import it was and what to do.
 */
export function bulkImportOutcome(row: { failure?: string; warning?: string }, job: { batchId: number; listId: number }, atIso: string): Outcome {
  const by = `Marketo's bulk import (batch ${job.batchId})`;
  if (row.failure !== undefined) {
    return {
      kind: 'failed',
      reason: `bulk_import: ${row.failure}`,
      message: `${by} refused this person: "${row.failure}". Check the person's data in AEP and in Marketo (duplicate people, values the field's type refuses), fix the field mapping if it is the cause, then retry the failed people.`,
      at: atIso,
    };
  }
  if (row.warning !== undefined) {
    return { kind: 'added', reason: `bulk_import_warning: ${row.warning}`, message: `Added to list ${job.listId} by ${by}, with Marketo's warning: "${row.warning}".`, at: atIso };
  }
  return { kind: 'added', message: `Added to list ${job.listId} by ${by}.`, at: atIso };
}

/** A failed or skipped outcome for a Marketo code, with its explanation. */
export function refusedOutcome(kind: 'failed' | 'skipped', code: string, marketoMessage: string | undefined, atIso: string): Outcome {
  return { kind, reason: code, message: explainReason(code, marketoMessage), at: atIso };
}
