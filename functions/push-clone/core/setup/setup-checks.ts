import { BadRequestError } from '#shared/errors.ts';
import { httpErrorFor, marketoCodeOf } from '#shared/http/index.ts';
import type { MarketoClient } from '#shared/marketo/index.ts';
import type { FieldMapping } from '#functions/push-clone/core/model.ts';

/**
 * Checks a destination's Marketo-side names against the instance before it is
 * saved: every field-mapping target must be a lead field the REST API can
 * write (Describe Lead), and the partition, if any, one of the instance's
 * lead partitions. A typo here would otherwise fail every person at push time
 * (1006 field not found). One Describe call, and one partitions call when a
 * partition is named.
 */
export async function checkSetupAgainstInstance(
  client: MarketoClient,
  munchkinId: string,
  setup: { fieldMappings: readonly FieldMapping[]; partitionName?: string },
): Promise<void> {
  try {
    await checkFieldTargets(client, munchkinId, setup.fieldMappings);
    if (setup.partitionName !== undefined) await checkPartition(client, munchkinId, setup.partitionName);
  } catch (error) {
    throw httpErrorFor(error, `Marketo instance ${munchkinId} could not be asked for its lead fields and partitions${marketoCodeOf(error)}: the destination was not saved.`) ?? error;
  }
}

async function checkFieldTargets(client: MarketoClient, munchkinId: string, mappings: readonly FieldMapping[]): Promise<void> {
  if (mappings.length === 0) return;
  const fields = new Map((await client.describeLeads()).map((field) => [field.name, field]));
  interface Problem {
    index: number;
    target: string;
    problem: 'not_found' | 'read_only';
    suggestion?: string;
  }
  const problems = mappings.flatMap((mapping, index): Problem[] => {
    const field = fields.get(mapping.target);
    if (!field) {
      // Marketo's REST names are case-sensitive; a near miss is the likeliest typo.
      const nearMiss = [...fields.keys()].find((name) => name.toLowerCase() === mapping.target.toLowerCase());
      return [{ index, target: mapping.target, problem: 'not_found', ...(nearMiss ? { suggestion: nearMiss } : {}) }];
    }
    return field.readOnly ? [{ index, target: mapping.target, problem: 'read_only' }] : [];
  });
  if (problems.length === 0) return;
  const described = problems.map((problem) =>
    problem.problem === 'read_only'
      ? `'${problem.target}' is read-only`
      : `'${problem.target}' does not exist${problem.suggestion ? ` (did you mean '${problem.suggestion}'?)` : ''}`,
  );
  throw new BadRequestError(`Marketo instance ${munchkinId} cannot take these field mappings: ${described.join('; ')}. Map to a lead field's REST name (GET /marketo/instances/${munchkinId}/lead-fields lists them), or create the field in Marketo (Admin > Field Management).`, { code: 'unknown_lead_field', details: { fields: problems.map(({ index, ...problem }) => ({ path: ['fieldMappings', index, 'target'], ...problem })) } });
}

async function checkPartition(client: MarketoClient, munchkinId: string, partitionName: string): Promise<void> {
  const partitions = (await client.leadPartitions()).map((partition) => partition.name);
  if (partitions.includes(partitionName)) return;
  throw new BadRequestError(`Marketo instance ${munchkinId} has no lead partition named '${partitionName}': choose one of ${partitions.map((name) => `'${name}'`).join(', ')} (Admin > Workspaces & Partitions), or leave the partition empty.`, { code: 'unknown_partition', details: { path: ['partitionName'], partitions } });
}
