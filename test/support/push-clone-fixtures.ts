import { demo } from '#local/demo-identities.ts';
import { DEFAULT_FIELD_MAPPINGS, type Destination } from '#functions/push-clone/core/model.ts';
import { readDestination, writeDestinationSetup } from '#functions/push-clone/persistence/destinations.ts';
import type { Store } from '#shared/store/index.ts';

/**
 * Push-clone destinations for tests and benches that need one without a
 * Marketo round trip (no vitest import here, so the bench can use it too).
 */
/** A destination item and its instance pointer, written as saveDestination writes them (for tests of ingest without Marketo). */
export async function storeDestination(store: Store, destination: Destination): Promise<Destination> {
  return writeDestinationSetup(store, destination, await readDestination(store, destination.destinationId));
}

export function destinationFixture(overrides: Partial<Destination> & Pick<Destination, 'destinationId'>): Destination {
  return {
    name: 'Test destination',
    munchkinId: demo.marketo.munchkinId,
    imsOrgId: demo.org.id,
    personCreationMode: 'createMissing',
    identityNamespace: 'Email',
    fieldMappings: DEFAULT_FIELD_MAPPINGS,
    endDateBehavior: 'freeze',
    audiences: [{ audienceId: 'aud-1', listId: 1002, startDate: '2025-01-01T00:00:00.000Z' }],
    state: 'active',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}
