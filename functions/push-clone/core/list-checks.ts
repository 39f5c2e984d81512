import { BadRequestError } from '#shared/errors.ts';
import { marketoErrorForAdmin } from '#shared/instances/marketo-admin-errors.ts';
import { MarketoConfigError, type MarketoClient } from '#shared/marketo/index.ts';

/**
 * What setup asks Marketo about the static lists a destination targets: each
 * must exist (a missing one is the admin's typo, 400), and each should be empty
 * ("pour de meilleurs résultats, assurez-vous que la liste ... est vide", seed
 * 004): a non-empty list is a warning, never a refusal. Two calls a list
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

/** Marketo's answer as the admin can act on it: fix the mapping ID (400) or retry / fix the instance (502). */
function translateMarketoError(error: unknown, munchkinId: string, listId: number): unknown {
  if (error instanceof MarketoConfigError && error.code === '1013') {
    return new BadRequestError('list_not_found', `list ${listId} was not found in instance ${munchkinId}: check the mapping ID`, { cause: error });
  }
  return marketoErrorForAdmin(error, munchkinId, `list ${listId}`);
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
