import { BadRequestError } from '#shared/errors.ts';
import { httpErrorFor } from '#shared/http/index.ts';
import { MarketoConfigError, type MarketoClient } from '#shared/marketo/index.ts';

/**
 * What setup asks Marketo about the static lists a destination targets: each
 * must exist (a missing one is the admin's typo, 400), and each should be
 * empty (Marketo's guide to pushing an AEP audience into a static list asks for
 * an empty list for best results; docs/vendors/aep.md): a non-empty list is a
 * warning, never a refusal. Two calls a list
 * (getList, one member page of size 1), checked one list at a time so a
 * destination with many audiences stays inside the instance's call budget.
 */
export async function checkLists(client: MarketoClient, munchkinId: string, listIds: readonly number[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const listId of new Set(listIds)) {
    try {
      const list = await client.getList(listId);
      const firstPage = await client.listMembers(listId, { batchSize: 1, fields: ['id'] });
      if (firstPage.leads.length > 0) {
        warnings.push(
          `list ${listId} ("${list.name}") in instance ${munchkinId} is not empty: people already in it stay there, and only people who exit an audience are removed. Use an empty list for best results.`,
        );
      }
    } catch (error) {
      throw translateMarketoError(error, munchkinId, listId);
    }
  }
  return warnings;
}

/**
 * Marketo's answer as the admin can act on it: a missing list is their mapping
 * ID (400); anything else gets the status every handler gives that Marketo
 * failure (`httpErrorFor`), saying the destination was not saved.
 */
function translateMarketoError(error: unknown, munchkinId: string, listId: number): unknown {
  if (error instanceof MarketoConfigError && error.code === '1013') {
    return new BadRequestError(`list ${listId} was not found in instance ${munchkinId}: check the mapping ID`, { code: 'list_not_found', cause: error });
  }
  return httpErrorFor(error, 'The destination was not saved; try again once Marketo answers, or fix its setup.') ?? error;
}

/** Audiences that share a list undo each other: a person leaving one is removed while still in the other. */
export function sharedListWarnings(audiences: ReadonlyArray<{ audienceId: string; listId: number }>): string[] {
  const byList = new Map<number, string[]>();
  for (const audience of audiences) byList.set(audience.listId, [...(byList.get(audience.listId) ?? []), audience.audienceId]);
  return [...byList]
    .filter(([, audienceIds]) => audienceIds.length > 1)
    .map(
      ([listId, audienceIds]) =>
        `list ${listId} is the target of audiences ${audienceIds.join(', ')}: a person who exits one of them is removed from the list even while still in another.`,
    );
}
