import type { Clock } from '#shared/clock.ts';
import type { Config } from '#shared/config/index.ts';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '#shared/errors.ts';
import { readInstance, type MarketoInstance } from '#shared/instances/instance-store.ts';
import { INTERACTIVE_MARKETO, marketoClientFor } from '#shared/instances/marketo-for-instance.ts';
import { readConfirmedMapping } from '#shared/instances/org-mapping-store.ts';
import type { MarketoClient } from '#shared/marketo/index.ts';
import type { SecretStore } from '#shared/secrets/index.ts';
import { ConditionFailedError, type Store } from '#shared/store/index.ts';
import type { DestinationInput } from '#functions/push-clone/core/setup/destination-input.ts';
import { checkLists, sharedListWarnings } from '#functions/push-clone/core/setup/list-checks.ts';
import { renamedTargetsOf, requeueFailed } from '#functions/push-clone/core/outcomes/failed-people.ts';
import { checkSetupAgainstInstance } from '#functions/push-clone/core/setup/setup-checks.ts';
import type { Destination, StoredAudience } from '#functions/push-clone/core/model.ts';
import { readDestination, writeDestinationSetup } from '#functions/push-clone/persistence/destinations.ts';

export { destinationIdSchema, destinationInputSchema, type DestinationInput } from '#functions/push-clone/core/setup/destination-input.ts';

export interface DestinationPorts {
  store: Store;
  secrets: SecretStore;
  clock: Clock;
  config: Pick<Config, 'MARKETO_CALLS_PER_WINDOW' | 'MARKETO_WINDOW_SECONDS' | 'MARKETO_MAX_CONCURRENT' | 'STAGE' | 'OUTBOUND_ALLOWED_HOSTS'>;
}

/** Builds the Marketo client of an instance; tests pass one with fast retries. */
export type MarketoFactory = (instance: MarketoInstance) => MarketoClient;

export interface SavedDestination {
  destination: Destination;
  created: boolean;
  /** Things worth knowing that did not stop the save (a list that is not empty, a list shared by audiences). */
  warnings: string[];
  /** Failed people put back in the queue because the save changed what they failed on. */
  requeued: number;
}

/**
 * Creates or replaces a destination (docs/push-clone.md, step 1). Nothing is
 * written unless the instance is registered, has a confirmed org mapping and
 * every target list exists in Marketo. The destination and the instance's
 * pointer to it (and the work marker, when the save wakes pending work) are
 * written in one transaction, conditioned on the version the save started
 * from, so two admins saving at once cannot interleave.
 */
export async function saveDestination(
  ports: DestinationPorts,
  destinationId: string,
  input: DestinationInput,
  actor: string,
  marketoFactory: MarketoFactory = (instance) => marketoClientFor(instance, ports, INTERACTIVE_MARKETO),
): Promise<SavedDestination> {
  const { munchkinId } = input;
  const existing = await readDestination(ports.store, destinationId);
  if (existing?.deletion) {
    throw new ConflictError(`Destination ${destinationId} is being deleted: it can no longer be changed. Save it under another ID.`, { code: 'destination_deleting' });
  }
  if (existing && existing.munchkinId !== munchkinId) {
    throw new ConflictError(
      `Destination ${destinationId} pushes to instance ${existing.munchkinId}; its people and lists belong there. Create a new destination for instance ${munchkinId}.`,
      { code: 'munchkin_id_immutable' },
    );
  }
  const instance = await readInstance(ports.store, munchkinId);
  if (!instance) {
    throw new BadRequestError(`Marketo instance ${munchkinId} is not registered: register it with PUT /marketo/instances/${munchkinId} first.`, { code: 'instance_not_registered' });
  }
  if (instance.hipaaReady) {
    throw new ForbiddenError(`Marketo instance ${munchkinId} is HIPAA-ready: it cannot receive Adobe Experience Platform audiences.`, { code: 'hipaa_ready_instance' });
  }
  const mapping = await readConfirmedMapping(ports.store, munchkinId);
  if (!mapping) {
    throw new ConflictError(
      `Marketo instance ${munchkinId} has no confirmed Adobe Organization Mapping: map it to your IMS org (PUT /org-mapping/${munchkinId}, then POST /org-mapping/${munchkinId}/confirm) and save the destination again.`,
      { code: 'org_mapping_required' },
    );
  }

  const audiences: StoredAudience[] = input.audiences.map((audience) => {
    const before = existing?.audiences.find((old) => old.audienceId === audience.audienceId);
    // The runner's mark holds for the end date it was made for; a new end date reopens the audience (withRunState).
    const endHandledAt = before && before.endDate === audience.endDate ? before.endHandledAt : undefined;
    return { audienceId: audience.audienceId, namespace: audience.namespace, listId: audience.mappingId, startDate: audience.startDate, endDate: audience.endDate, endHandledAt };
  });
  const marketo = marketoFactory(instance);
  await checkSetupAgainstInstance(marketo, munchkinId, { fieldMappings: input.fieldMappings, partitionName: input.partitionName });
  const listWarnings = await checkLists(
    marketo,
    munchkinId,
    audiences.map((audience) => audience.listId),
  );

  const now = new Date(ports.clock.now()).toISOString();
  const edited: Destination = {
    destinationId,
    name: input.name,
    description: input.description,
    munchkinId,
    imsOrgId: mapping.imsOrgId,
    personCreationMode: input.personCreationMode,
    identityNamespace: input.identityNamespace,
    emailSources: input.emailSources,
    requireImsOrgHeader: input.requireImsOrgHeader,
    fieldMappings: input.fieldMappings,
    partitionName: input.partitionName,
    endDateBehavior: input.endDateBehavior,
    audiences,
    // Saving is how an admin says "fixed": a stop recorded against the setup read no longer counts (withRunState).
    state: 'active',
    // Pausing is its own action: a save keeps it.
    ...(existing?.paused ? { paused: true } : {}),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    updatedBy: actor,
  };
  let destination: Destination;
  try {
    destination = await writeDestinationSetup(ports.store, edited, existing, existing && wakesPendingWork(existing, audiences) ? ports.clock.now() : undefined);
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    throw new ConflictError(`Destination ${destinationId} was changed while you saved it: read it again and retry.`, { code: 'destination_changed' });
  }
  // The admin's fix: people who failed on the old setup are tried again on the next tick.
  const requeued =
    existing && setupFixed(existing, destination)
      ? await requeueFailed(ports, destination, "The destination's setup was changed: tried again.", undefined, renamedTargetsOf(existing.fieldMappings, destination.fieldMappings))
      : 0;
  return { destination, created: !existing, warnings: [...listWarnings, ...sharedListWarnings(audiences)], requeued };
}

/** A save that may fix what failed people failed on: the field mappings, the partition, the creation mode, or a stopped destination saved again. */
function setupFixed(existing: Destination, saved: Destination): boolean {
  const setup = (destination: Destination) => JSON.stringify([destination.fieldMappings, destination.partitionName ?? null, destination.personCreationMode]);
  return existing.state === 'stopped' || setup(existing) !== setup(saved);
}

/**
 * A stopped destination's people stay pending, and the runner deletes the work
 * marker when nothing is due. Saving again (the admin's "fixed") or changing
 * the audiences (another list, an end date, an audience gone) makes them due:
 * the save touches the marker as a delivery would, so the next tick picks them up.
 */
function wakesPendingWork(existing: Destination, audiences: readonly StoredAudience[]): boolean {
  const setup = (list: readonly StoredAudience[]) => JSON.stringify(list.map(({ audienceId, listId, startDate, endDate }) => [audienceId, listId, startDate, endDate ?? null]));
  return existing.state === 'stopped' || setup(existing.audiences) !== setup(audiences);
}

export async function getDestination(store: Store, destinationId: string): Promise<Destination> {
  const destination = await readDestination(store, destinationId);
  if (!destination) {
    throw new NotFoundError(`Push destination ${destinationId} does not exist: create it with PUT /push-clone/destinations/${destinationId}.`, { code: 'destination_not_found' });
  }
  return destination;
}
